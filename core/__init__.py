"""The domain core of Liandong: cases, the org map, the intake queue, triage, dispatch,
escalation, auth and storage.

It imports no adapter (telephony, channels, asr, ivr, router, feedback, reports,
agent_desktop) and nothing of the shell (``liandong``); adapters depend on it through
the vocabularies, services and ports of its sub-packages. ``import-linter`` keeps it so
(``.importlinter``).
"""
