"""ORM tables: one row per message (``deliveries``, its own outbox record) and one per
attempt (``delivery_attempts``: what each channel was asked and what came of it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from core.cases import tables as _cases  # noqa: F401 - referenced tables in the metadata
from core.storage.base import Base, BigId, utcnow

_DUE = text("next_attempt_at IS NOT NULL")


class DeliveryRow(Base):
    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # The idempotency key: staging the same message twice (a scheduler re-delivering
    # after a crash, a retried request) finds this row and adds nothing.
    key: Mapped[str] = mapped_column(String(128), unique=True)
    purpose: Mapped[str] = mapped_column(String(16))  # core.delivery.models.Purpose
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    case_number: Mapped[str | None] = mapped_column(String(32))
    instruction_id: Mapped[int | None] = mapped_column(Integer)
    recipient: Mapped[str] = mapped_column(String(64))
    recipient_name: Mapped[str] = mapped_column(String(64))
    routes: Mapped[list[Any]] = mapped_column(default=list)  # [[channel, address], ...]
    route_index: Mapped[int] = mapped_column(Integer, default=0)
    route_attempts: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(16), index=True)  # models.State
    text: Mapped[str] = mapped_column(Text)
    requires_ack: Mapped[bool] = mapped_column(Boolean, default=False)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    # When a worker must look at the row next: a (re)try, or an acknowledgement's
    # deadline. NULL once nothing more is due.
    next_attempt_at: Mapped[datetime | None]
    provider: Mapped[str | None] = mapped_column(String(24))
    vendor_id: Mapped[str | None] = mapped_column(String(96))
    last_error: Mapped[str | None] = mapped_column(String(300))
    sent_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_via: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_deliveries_due", "next_attempt_at", postgresql_where=_DUE, sqlite_where=_DUE),
        Index("ix_deliveries_case_number", "case_number"),
        {"sqlite_autoincrement": True},
    )

    @property
    def channel(self) -> str | None:
        """The route in use; None once every route was given up."""
        route = self.routes[self.route_index] if self.route_index < len(self.routes) else None
        return str(route[0]) if route else None

    @property
    def address(self) -> str | None:
        route = self.routes[self.route_index] if self.route_index < len(self.routes) else None
        return str(route[1]) if route else None


class DeliveryAttemptRow(Base):
    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id"), index=True)
    n: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(64))
    provider: Mapped[str | None] = mapped_column(String(24))
    outcome: Mapped[str] = mapped_column(String(16))  # models.Outcome
    error: Mapped[str | None] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(default=utcnow)
