"""ORM tables of triage: where each case is and how precisely, and the possible
duplicates (可能重复) shown to call takers instead of merging."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.storage.base import Base, BigId, utcnow


class CaseLocationRow(Base):
    """A case's location precision (``core.orgmap.location``) and the places its text
    names (``core.triage.merge.PlaceSignature``), read by the next reports' merge step."""

    __tablename__ = "case_locations"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    precision: Mapped[str] = mapped_column(String(16))
    uncertainty_m: Mapped[float]
    places: Mapped[dict[str, Any]] = mapped_column(default=dict)


class CaseLinkRow(Base):
    """可能重复: ``case_id`` (the later report) may be the same event as ``other_id``.
    Shown to the call taker with one click to merge; ``dismissed_at`` when they say no."""

    __tablename__ = "case_links"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    other_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24), default="possible_duplicate")
    reason: Mapped[str] = mapped_column(String(300))
    distance_m: Mapped[float | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    dismissed_at: Mapped[datetime | None]
    dismissed_by: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        UniqueConstraint("case_id", "other_id", "kind", name="uq_case_links_pair"),
        Index("ix_case_links_open", "case_id", "dismissed_at"),
        {"sqlite_autoincrement": True},
    )
