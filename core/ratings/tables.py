"""ORM tables of the citizen's evaluation (created by migration 0007_feedback): ratings
per stage, the IVR call-back survey calls they may come from, and the staff follow-up
sample."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.cases import tables as _cases  # noqa: F401 - cases must be in the metadata
from core.orgmap import tables as _orgmap  # noqa: F401 - units must be in the metadata
from core.storage.base import Base, BigId, utcnow


class RatingRow(Base):
    """One rating of one stage of one case. The unit is the lead unit that completed
    the case when it was rated, so later reassignments do not move old ratings."""

    __tablename__ = "ratings"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    stage: Mapped[str] = mapped_column(String(12))  # feedback.models.Stage
    rating: Mapped[int] = mapped_column(Integer)  # 1 满意 2 基本满意 3 不满意
    source: Mapped[str] = mapped_column(String(12))  # feedback.models.Source
    actor: Mapped[str] = mapped_column(String(64))
    rated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # The evaluate event this overall rating came from (one rating per event).
    case_event_id: Mapped[int | None] = mapped_column(ForeignKey("case_events.id"), unique=True)
    survey_call_id: Mapped[int | None] = mapped_column(ForeignKey("survey_calls.id"))
    sample_id: Mapped[int | None] = mapped_column(ForeignKey("followup_samples.id"))

    __table_args__ = ({"sqlite_autoincrement": True},)


class SurveyCallRow(Base):
    """An IVR call-back survey of a phone caller: one per case and completion round."""

    __tablename__ = "survey_calls"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    round: Mapped[int] = mapped_column(Integer, default=0)  # the case's reopen_count
    phone: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(12), index=True)  # pending/calling/done/…
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(index=True)
    channel_id: Mapped[str | None] = mapped_column(String(64))
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)  # stage -> digit
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("case_id", "round", name="uq_survey_calls_case_round"),
        {"sqlite_autoincrement": True},
    )


class FollowupSampleRow(Base):
    """A closed case picked for a staff follow-up call (回访抽查, R10)."""

    __tablename__ = "followup_samples"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    period: Mapped[str] = mapped_column(String(8))  # 2026-10
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    sample_key: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(12))  # pending / done / unreachable
    picked_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]
    staff: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("period", "case_id", name="uq_followup_samples_period_case"),
        Index("ix_followup_samples_period_state", "period", "state"),
    )
