"""Media that come with contacts (voice messages, images, video): one table the
channels fill and the ASR worker reads."""
