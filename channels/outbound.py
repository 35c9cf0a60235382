"""Outbound messages: an idempotent log in the database and a sender worker.

Enqueue writes a row (``dedupe_key`` makes it once-only per event); the sender
claims queued rows one by one (queued → sending with a conditional UPDATE, so two
workers never send the same row), calls the channel's port and records the
vendor's id. Delivery receipts move the status forward only: a late "sent" never
overwrites "delivered", a repeated receipt changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from channels.models import OutboundStatus, lower_ranks
from channels.tables import OutboundMessageRow
from core.clock import Clock
from core.errors import LiandongError
from core.storage.engine import Database

log = logging.getLogger(__name__)
S = OutboundStatus
# A row left in "sending" this long belongs to a worker that died mid-send; it is
# sent again (at-least-once: a notice twice beats a notice never).
STUCK_AFTER = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class Delivery:
    vendor_id: str | None
    parts: int | None = None


class Sender(Protocol):
    """One channel's way out. Raises a LiandongError; ``permanent`` ones are not retried."""

    async def deliver(self, kind: str, recipient: str, payload: dict[str, Any]) -> Delivery: ...


class OutboundService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def enqueue(
        self,
        channel: str,
        kind: str,
        recipient: str,
        payload: dict[str, Any],
        *,
        case_number: str | None = None,
        dedupe_key: str | None = None,
    ) -> None:
        now = self.clock()
        async with self.db.session() as s:
            dialect = s.get_bind().dialect.name
            ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(
                OutboundMessageRow
            )
            stmt = ins.values(
                channel=channel,
                kind=kind,
                recipient=recipient,
                payload=payload,
                case_number=case_number,
                status=S.queued.value,
                attempts=0,
                dedupe_key=dedupe_key[:128] if dedupe_key else None,
                created_at=now,
                updated_at=now,
            )
            await s.execute(stmt.on_conflict_do_nothing(index_elements=["dedupe_key"]))

    async def receipt(
        self, channel: str, vendor_id: str, status: OutboundStatus, *, error: str | None = None
    ) -> bool:
        """Apply a delivery receipt; True if it moved the status forward."""
        now = self.clock()
        values: dict[str, Any] = {"status": status.value, "updated_at": now}
        if status is S.delivered:
            values["delivered_at"] = now
        if error:
            values["last_error"] = error[:300]
        async with self.db.session() as s:
            res = await s.execute(
                update(OutboundMessageRow)
                .where(
                    OutboundMessageRow.channel == channel,
                    OutboundMessageRow.vendor_id == vendor_id,
                    OutboundMessageRow.status.in_(lower_ranks(status)),
                )
                .values(**values)
            )
            return bool(getattr(res, "rowcount", 0))


class OutboundSender:
    def __init__(
        self,
        db: Database,
        senders: dict[str, Sender],
        clock: Clock,
        *,
        max_attempts: int = 3,
        interval_s: float = 1.0,
    ) -> None:
        self.db = db
        self.senders = senders
        self.clock = clock
        self.max_attempts = max_attempts
        self.interval_s = interval_s

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                sent = await self.send_pending()
            except Exception:
                log.exception("outbound round failed")
                sent = 0
            if sent == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.interval_s)

    async def send_pending(self, limit: int = 20) -> int:
        now = self.clock()
        async with self.db.session() as s:
            ids = list(
                await s.scalars(
                    select(OutboundMessageRow.id)
                    .where(
                        OutboundMessageRow.channel.in_(list(self.senders)),
                        or_(
                            OutboundMessageRow.status == S.queued.value,
                            (OutboundMessageRow.status == S.sending.value)
                            & (OutboundMessageRow.updated_at < now - STUCK_AFTER),
                        ),
                    )
                    .order_by(OutboundMessageRow.id)
                    .limit(limit)
                )
            )
        done = 0
        for row_id in ids:
            done += await self._send_one(row_id)
        return done

    async def _claim(self, row_id: int) -> OutboundMessageRow | None:
        now = self.clock()
        async with self.db.session() as s:
            res = await s.execute(
                update(OutboundMessageRow)
                .where(
                    OutboundMessageRow.id == row_id,
                    or_(
                        OutboundMessageRow.status == S.queued.value,
                        (OutboundMessageRow.status == S.sending.value)
                        & (OutboundMessageRow.updated_at < now - STUCK_AFTER),
                    ),
                )
                .values(
                    status=S.sending.value,
                    attempts=OutboundMessageRow.attempts + 1,
                    updated_at=now,
                )
            )
            if not getattr(res, "rowcount", 0):
                return None  # another worker has it
            return await s.get(OutboundMessageRow, row_id)

    async def _send_one(self, row_id: int) -> int:
        row = await self._claim(row_id)
        if row is None:
            return 0
        sender = self.senders[row.channel]
        status, vendor_id, parts, error = S.sent, None, None, None
        try:
            d = await sender.deliver(row.kind, row.recipient, row.payload)
            vendor_id, parts = d.vendor_id, d.parts
        except LiandongError as exc:
            error = f"{exc.error_id}: {exc.message} {exc.details}"[:300]
            permanent = bool(getattr(exc, "permanent", False))
            status = S.failed if permanent or row.attempts >= self.max_attempts else S.queued
            log.warning("outbound send failed", extra={"id": row.id, "error_id": exc.error_id})
        async with self.db.session() as s:
            # Guarded: a receipt that raced ahead of us (delivered) is not undone.
            await s.execute(
                update(OutboundMessageRow)
                .where(
                    OutboundMessageRow.id == row.id,
                    OutboundMessageRow.status == S.sending.value,
                )
                .values(
                    status=status.value,
                    vendor_id=vendor_id,
                    parts=parts,
                    last_error=error,
                    updated_at=self.clock(),
                )
            )
        return 1
