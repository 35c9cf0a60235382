"""Asterisk itself: the debootstrapped Debian root, the rendered configuration, and
starting, stopping and asking after the running instance."""
