"""ORM tables of citizen feedback (migration 0007_feedback): ratings per stage, the
reopen holds, IVR call-back surveys, the staff follow-up sample, and a cursor."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.cases import tables as cases
from core.orgmap import tables as _orgmap  # noqa: F401 - units must be in the metadata
from core.storage.base import Base, BigId, utcnow

# The reports select a period's instructions by the time they were sent; without this
# index every monthly report scans a year of instructions (revision 0007 creates it).
INSTRUCTIONS_SENT_AT = Index("ix_instructions_sent_at", cases.InstructionRow.__table__.c.sent_at)
# ... and reopenings (重办) and returns (退单) by the time they happened.
CASE_EVENTS_ACTION_AT = Index(
    "ix_case_events_action_at",
    cases.CaseEventRow.__table__.c.action,
    cases.CaseEventRow.__table__.c.at,
)


class ReopenHoldRow(Base):
    """不满意 → 重办 unless a supervisor overrules before ``due_at`` (feedback.models)."""

    __tablename__ = "reopen_holds"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("ratings.id"), unique=True)
    state: Mapped[str] = mapped_column(String(12))  # feedback.models.HoldState
    due_at: Mapped[datetime] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)


class FeedbackCursorRow(Base):
    """How far the feedback watcher has read the case log."""

    __tablename__ = "feedback_cursors"

    name: Mapped[str] = mapped_column(String(48), primary_key=True)
    value: Mapped[int] = mapped_column(BigId, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
