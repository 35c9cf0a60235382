"""Offline speech recognition with Vosk (issue "Offline speech"); not built yet.

Transcripts will be written to ``contacts.transcript`` and trigger reclassification.
"""
