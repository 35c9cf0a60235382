"""The platform's processes, composed from the one composition root."""
