"""The transactional outbox: written in the same transaction as the contact."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.storage.base import Base, BigId, utcnow


class OutboxRow(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    topic: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set by the relay when it (re)publishes; the request path publishes
    # directly after commit without touching the row again.
    published_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Set by the consumer inside its own transaction: the exactly-once guard.
    processed_at: Mapped[datetime | None]
    processed_by: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_outbox_unprocessed", "processed_at", "id"),)
