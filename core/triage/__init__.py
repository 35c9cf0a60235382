"""Triage: each contact classified, located, merged and queued for the call takers."""
