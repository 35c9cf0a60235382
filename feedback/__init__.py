"""Citizen feedback (R10): ratings per stage from every channel, the reopen rule
(不满意 → 重办 unless a supervisor overrules), the IVR call-back survey, and the staff
follow-up sample. Other packages may import ``feedback.models`` (pure),
``feedback.settings``, ``feedback.tables`` and ``prompts.survey``."""
