"""Imports every context's tables so ``Base.metadata`` is complete (Alembic, tests)."""

from asr import tables as asr_tables
from channels import tables as channel_tables
from core.admin import tables as admin_tables
from core.auth import tables as auth_tables
from core.cases import tables as case_tables
from core.delivery import tables as delivery_tables
from core.dispatch import tables as dispatch_tables
from core.escalation import tables as escalation_tables
from core.integrity import tables as integrity_tables
from core.orgmap import tables as orgmap_tables
from core.queue import tables as queue_tables
from core.storage.base import Base
from core.triage import tables as triage_tables
from feedback import tables as feedback_tables
from telephony.fastagi import tables as fastagi_tables
from telephony.seats import tables as seat_tables

metadata = Base.metadata

__all__ = [
    "admin_tables",
    "asr_tables",
    "auth_tables",
    "case_tables",
    "channel_tables",
    "delivery_tables",
    "dispatch_tables",
    "escalation_tables",
    "fastagi_tables",
    "feedback_tables",
    "integrity_tables",
    "metadata",
    "orgmap_tables",
    "queue_tables",
    "seat_tables",
    "triage_tables",
]
