"""ORM tables for escalation timers, the steps taken and the notifications recorded.

Timers are rows, not sleeping tasks: every open instruction has one ``escalations``
row whose indexed ``next_due_at`` says when the scheduler must look at it next, so a
restarted scheduler (or a second one) derives all due work from the database. Every
step taken is an ``escalation_steps`` row, UNIQUE per (instruction, step): a duplicated
or restarted scheduler cannot take the same step twice.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

# The tables this one references must be in the same metadata before any flush.
from core.cases import tables as _cases  # noqa: F401
from core.orgmap import tables as _orgmap  # noqa: F401
from core.storage.base import Base, BigId, utcnow

# ``next_due_at`` set to this means "look at it at once": the database trigger on
# ``instructions`` (migration 0003) writes it whenever an instruction changes state,
# so acknowledgements, completions and returns reach the ladder without polling.
POKE = datetime(1970, 1, 1, tzinfo=UTC)
_OPEN = text("next_due_at IS NOT NULL")
_UNSENT = text("notified_at IS NULL")


class EscalationRow(Base):
    """The ladder state of one instruction (see :mod:`core.escalation.ladder`)."""

    __tablename__ = "escalations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    instruction_id: Mapped[int] = mapped_column(ForeignKey("instructions.id"), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    # The catalogue rule that set the limits (NULL: priority defaults or explicit units).
    rule_id: Mapped[str | None] = mapped_column(String(48))
    # Who was on duty when it was sent (R8), and how they were chosen (core.dispatch.duty.How).
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    assignee_how: Mapped[str] = mapped_column(String(16))
    phase: Mapped[str] = mapped_column(String(8))  # core.escalation.ladder.Phase
    level: Mapped[int] = mapped_column(Integer, default=0)  # core.escalation.ladder.Level
    window_start: Mapped[datetime]
    deadline: Mapped[datetime]  # the deadline being watched now
    working: Mapped[bool] = mapped_column(Boolean)  # that window runs in office time
    reminded: Mapped[bool] = mapped_column(Boolean, default=False)
    ack_limit: Mapped[str] = mapped_column(String(32))
    done_limit: Mapped[str] = mapped_column(String(32))
    ack_grace: Mapped[str] = mapped_column(String(32))
    done_grace: Mapped[str] = mapped_column(String(32))
    # NULL once the ladder is closed; POKE when the instruction changed state.
    next_due_at: Mapped[datetime | None]
    closed_reason: Mapped[str | None] = mapped_column(String(24))
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        # Partial: closed ladders (most rows, over time) stay out of the hot index.
        Index("ix_escalations_next_due_at", "next_due_at", postgresql_where=_OPEN,
              sqlite_where=_OPEN),
        Index("ix_escalations_case_unit", "case_id", "unit_id"),
        {"sqlite_autoincrement": True},
    )  # fmt: skip


class EscalationStepRow(Base):
    """One step taken: a delivery, a reminder (催办) or a push up the ladder (督办)."""

    __tablename__ = "escalation_steps"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id"), index=True)
    instruction_id: Mapped[int] = mapped_column(ForeignKey("instructions.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    step: Mapped[str] = mapped_column(String(24))  # core.escalation.ladder command .step
    kind: Mapped[str] = mapped_column(String(12))  # deliver / remind / escalate
    level: Mapped[int] = mapped_column(Integer)
    cause: Mapped[str | None] = mapped_column(String(16))
    due_at: Mapped[datetime]
    taken_at: Mapped[datetime]
    taken_by: Mapped[str] = mapped_column(String(64))
    # The notices this step sends (recipient, person, phone, message): delivered after
    # commit and re-delivered by any scheduler while ``notified_at`` stays NULL.
    notices: Mapped[list[Any]] = mapped_column(default=list)
    notified_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("instruction_id", "step", name="uq_escalation_steps_instruction_step"),
        Index("ix_escalation_steps_unsent", "taken_at", postgresql_where=_UNSENT,
              sqlite_where=_UNSENT),
        {"sqlite_autoincrement": True},
    )  # fmt: skip


class NotificationRow(Base):
    """A notification as the default (recording) channel adapter keeps it."""

    __tablename__ = "escalation_notifications"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # "<instruction>:<step>:<recipient>": the same notice delivered twice is one row.
    key: Mapped[str] = mapped_column(String(96), unique=True)
    recipient: Mapped[str] = mapped_column(String(48))  # person:<id> / unit:<id> / org:<name>
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    case_number: Mapped[str] = mapped_column(String(32), index=True)
    instruction_id: Mapped[int] = mapped_column(ForeignKey("instructions.id"))
    step: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(16), default="record")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
