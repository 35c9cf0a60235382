"""ORM table of the daily anchors over the append-only logs (migration 0012)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.storage.base import Base, BigId, utcnow


class LogAnchorRow(Base):
    """One UTC day of one log: how many rows it had and a digest of their hashes,
    chained to the previous anchor. Append-only like the logs it anchors; print or
    ship ``hash`` elsewhere (``liandong audit anchor``) to catch a rewritten chain."""

    __tablename__ = "log_anchors"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    log: Mapped[str] = mapped_column(String(16))  # "case_events" | "audit_log"
    day: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD (UTC)
    rows: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("log", "day", name="uq_log_anchors_log_day"),
        {"sqlite_autoincrement": True},
    )
