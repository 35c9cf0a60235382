"""The delivery worker: wakes on the stream, sweeps the table for what is due, and
walks each message along its routes.

Every state change is a conditional UPDATE on the row (claim: queued → sending; finish:
only while still sending), so any number of workers may run and a duplicated wake-up
or a re-claimed stream entry sends nothing twice. A worker that dies mid-send leaves
the row ``sending`` with ``next_attempt_at`` at its stuck deadline: the sweep then
sends it again (at least once: a notice twice beats a notice never).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.aio import sleep_or_stop
from core.clock import Clock
from core.delivery.errors import SendFailed
from core.delivery.models import (
    Channel,
    Outcome,
    Purpose,
    State,
    backoff,
    mask,
    quiet_exempt,
    quiet_until,
    text_with_ack,
)
from core.delivery.ports import ChannelSender, Outgoing, RateLimiter, Sent
from core.delivery.service import DeliveryService, log_attempt
from core.delivery.settings import DeliverySettings
from core.delivery.streams import DeliveryStreams
from core.delivery.tables import DeliveryAttemptRow, DeliveryRow
from core.queue.consumer import StreamConsumer
from core.queue.streams import Entry

log = logging.getLogger(__name__)
WORKING = (State.queued.value, State.sending.value)
STOP_GRACE_S = 5.0  # see DeliveryWorker.drain
WAITING_ACK = (State.sent.value, State.delivered.value)


class DeliveryWorker:
    def __init__(
        self,
        service: DeliveryService,
        senders: Mapping[str, ChannelSender],
        *,
        name: str,
        limiter: RateLimiter | None = None,
        streams: DeliveryStreams | None = None,
        ack_url: str | None = None,
        claim_idle_ms: int = 30_000,
        max_deliveries: int = 5,
    ) -> None:
        self.service = service
        self.db = service.db
        self.settings: DeliverySettings = service.settings
        self.clock: Clock = service.clock
        self.senders = dict(senders)
        self.name = name
        self.limiter = limiter
        self.streams = streams
        # The public base of the acknowledgement link work messages carry.
        self.ack_url = ack_url
        self.claim_idle_ms = claim_idle_ms
        self.max_deliveries = max_deliveries
        self.tz = ZoneInfo(self.settings.timezone)
        self._slots = asyncio.Semaphore(self.settings.concurrency)
        self._sdk_slots = asyncio.Semaphore(self.settings.sdk_concurrency)
        self._tasks: set[asyncio.Task[None]] = set()
        self._busy: set[int] = set()

    # --- loops -------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        async with asyncio.TaskGroup() as tg:
            if self.streams is not None:
                consumer = StreamConsumer(
                    self.streams,
                    self.name,
                    self._on_entry,
                    claim_idle_ms=self.claim_idle_ms,
                    max_deliveries=self.max_deliveries,
                )
                tg.create_task(consumer.run(stop), name="delivery-consumer")
            tg.create_task(self._sweep_loop(stop), name="delivery-sweep")
        await self.drain(STOP_GRACE_S)

    async def drain(self, grace_s: float) -> None:
        """Let sends in flight finish for ``grace_s``, then cancel the rest: a voice
        notice may ring for minutes, and a stopping worker must not hold its process.
        A cancelled row stays ``sending`` until its stuck deadline, when a sweep (this
        worker's successor or another) takes it up again: nothing is lost."""
        try:
            await asyncio.wait_for(self.idle(), grace_s)
        except TimeoutError:
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _sweep_loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.sweep()
            except Exception:  # the database is down: try again, never die
                log.exception("delivery sweep failed")
            await sleep_or_stop(stop, self.settings.sweep_interval_s)

    async def _on_entry(self, entry: Entry) -> None:
        await self.spawn(entry.outbox_id)

    async def spawn(self, delivery_id: int) -> None:
        """Work on ``delivery_id`` in the background; waits for a free slot first (the
        stream's back-pressure)."""
        if delivery_id in self._busy:
            return
        await self._slots.acquire()
        self._busy.add(delivery_id)
        task = asyncio.create_task(self._guarded(delivery_id), name=f"delivery-{delivery_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _guarded(self, delivery_id: int) -> None:
        try:
            await self.step(delivery_id)
        except Exception:  # one message must not stop the others
            log.exception("delivery step failed", extra={"delivery_id": delivery_id})
        finally:
            self._busy.discard(delivery_id)
            self._slots.release()

    async def idle(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def sweep(self, limit: int = 500) -> int:
        """Spawn every row that is due now; returns how many."""
        now = self.clock()
        async with self.db.session() as s:
            ids = list(
                await s.scalars(
                    select(DeliveryRow.id)
                    .where(DeliveryRow.next_attempt_at <= now)
                    .order_by(DeliveryRow.next_attempt_at)
                    .limit(limit)
                )
            )
        for i in ids:
            await self.spawn(i)
        return len(ids)

    async def settle(self, delivery_id: int, limit_s: float) -> DeliveryRow:
        """Work on one message until nothing more is due for it or ``limit_s`` passed
        (the CLI's ``notify test`` and tests)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit_s
        while True:
            await self.step(delivery_id)
            row = await self.service.get(delivery_id)
            due = row.next_attempt_at
            if due is None or loop.time() >= deadline:
                return row
            # Short naps: another worker may be the one sending it.
            wait = (due - self.clock()).total_seconds()
            await asyncio.sleep(min(max(wait, 0.05), 0.5, max(deadline - loop.time(), 0)))

    # --- one step ----------------------------------------------------------------------
    async def step(self, delivery_id: int) -> None:
        """Whatever is due for this row now: a send, or moving on after no ack."""
        claimed = await self._claim(delivery_id)
        if claimed is not None:
            await self._attempt(claimed)
        else:  # not to be sent now; perhaps its acknowledgement is overdue
            await self._ack_timeout(delivery_id)

    async def _claim(self, delivery_id: int) -> DeliveryRow | None:
        now = self.clock()
        async with self.db.session() as s:
            res = await s.execute(
                update(DeliveryRow)
                .where(
                    DeliveryRow.id == delivery_id,
                    DeliveryRow.state.in_(WORKING),
                    DeliveryRow.next_attempt_at <= now,
                )
                .values(
                    state=State.sending.value,
                    next_attempt_at=now + timedelta(seconds=self.settings.stuck_after_s),
                    updated_at=now,
                )
            )
            if not getattr(res, "rowcount", 0):
                return None  # another worker has it, or it is done
            return await s.get(DeliveryRow, delivery_id)

    async def _attempt(self, row: DeliveryRow) -> None:
        channel, address = row.channel, row.address
        if channel is None or address is None:
            await self._finish(row, Outcome.flagged, None, "no route left")
            return
        purpose = Purpose(row.purpose)
        if not quiet_exempt(purpose, row.urgent):
            until = quiet_until(self.clock().astimezone(self.tz), self.settings.quiet_hours)
            if until is not None:
                await self._hold(row, until - self.clock().astimezone(self.tz), Outcome.quiet)
                return
        wait = await self._rate_wait(channel, address, row.urgent)
        if wait > 0:
            await self._hold(row, timedelta(seconds=wait), None)
            return
        sender = self.senders.get(channel)
        if sender is None:
            await self._finish(row, Outcome.failed, None, f"channel {channel} is not configured")
            return
        out = Outgoing(
            delivery_id=row.id,
            key=row.key,
            attempt=row.attempts + 1,
            address=address,
            text=text_with_ack(row.text, channel) if row.requires_ack else row.text,
            purpose=purpose,
            requires_ack=row.requires_ack,
            ack_url=self._ack_link(row.id) if row.requires_ack else None,
        )
        # A voice call waits on Asterisk, not on a thread; the SDKs block one each.
        blocking = self._sdk_slots if channel != Channel.voice else contextlib.nullcontext()
        try:
            async with blocking:
                sent = await sender.send(out)
        except SendFailed as exc:
            tries_left = row.route_attempts + 1 < self.settings.attempts_per_route
            outcome = Outcome.retry if tries_left and not exc.permanent else Outcome.failed
            error = f"{exc.error_id}: {exc.message} {exc.details or ''}"[:300]
            await self._finish(row, outcome, exc.provider, error)
            return
        except Exception as exc:  # an adapter's bug must not lose the message
            log.exception("delivery adapter raised", extra={"channel": channel})
            await self._finish(row, Outcome.retry, None, repr(exc)[:300])
            return
        await self._finish(row, sent.outcome, sent.provider, None, sent)

    def _ack_link(self, delivery_id: int) -> str | None:
        if self.ack_url is None:
            return None
        token = self.service.ack_token(delivery_id)
        return f"{self.ack_url.rstrip('/')}/channels/delivery/ack?d={delivery_id}&t={token}"

    async def _rate_wait(self, channel: str, address: str, urgent: bool) -> float:
        if self.limiter is None:
            return 0.0
        st = self.settings
        wait = await self.limiter.wait_s("ch", channel, st.per_channel_per_s, 1)
        if wait == 0 and not urgent:
            wait = await self.limiter.wait_s(
                "to", f"{channel}:{address}", st.per_recipient, st.per_recipient_window_s
            )
        return wait

    async def _hold(self, row: DeliveryRow, wait: timedelta, outcome: Outcome | None) -> None:
        now = self.clock()
        async with self.db.session() as s:
            await s.execute(
                update(DeliveryRow)
                .where(DeliveryRow.id == row.id, DeliveryRow.state == State.sending.value)
                .values(state=State.queued.value, next_attempt_at=now + wait, updated_at=now)
            )
            if outcome is not None:
                await self._record(s, row, outcome, None, f"held until {now + wait:%H:%M} UTC")

    async def _finish(
        self,
        row: DeliveryRow,
        outcome: Outcome,
        provider: str | None,
        error: str | None,
        sent: Sent | None = None,
    ) -> None:
        now = self.clock()
        st = self.settings
        values: dict[str, Any] = {
            "attempts": row.attempts + 1,
            "route_attempts": row.route_attempts + 1,
            "provider": provider,
            "last_error": error,
            "updated_at": now,
        }
        if outcome is Outcome.sent:
            values.update(state=State.sent.value, sent_at=now, next_attempt_at=None)
            if sent is not None and sent.vendor_id:
                values["vendor_id"] = sent.vendor_id[:96]
            if row.requires_ack:
                values["next_attempt_at"] = now + timedelta(seconds=st.ack_timeout_s)
        elif outcome is Outcome.acknowledged:
            values.update(
                state=State.acknowledged.value,
                sent_at=now,
                acknowledged_at=now,
                acknowledged_via=row.channel,
                next_attempt_at=None,
            )
        elif outcome is Outcome.retry:
            wait = backoff(row.route_attempts + 1, st.backoff_s, st.backoff_max_s)
            values.update(state=State.queued.value, next_attempt_at=now + wait)
        else:  # failed, unanswered, flagged: this route is done
            values.update(_next_route(row, now))
        async with self.db.session() as s:
            await s.execute(
                update(DeliveryRow)
                .where(DeliveryRow.id == row.id, DeliveryRow.state == State.sending.value)
                .values(**values)
            )
            await self._record(s, row, outcome, provider, error)
            if values.get("state") == State.flagged.value:
                await self._record(s, row, Outcome.flagged, None, "no route left", count=False)
        if values.get("route_index", row.route_index) != row.route_index:
            await self.service.wake([row.id])  # the next channel at once

    async def _ack_timeout(self, delivery_id: int) -> None:
        now = self.clock()
        async with self.db.session() as s:
            row = await s.get(DeliveryRow, delivery_id)
            if (
                row is None
                or row.state not in WAITING_ACK
                or row.next_attempt_at is None
                or row.next_attempt_at > now
            ):
                return
            s.expunge(row)  # keep the route it was on: the UPDATE below moves it on
            values = _next_route(row, now)
            res = await s.execute(
                update(DeliveryRow)
                .where(
                    DeliveryRow.id == delivery_id,
                    DeliveryRow.state.in_(WAITING_ACK),
                    DeliveryRow.next_attempt_at <= now,
                )
                .values(updated_at=now, **values)
            )
            moved = bool(getattr(res, "rowcount", 0))
            if moved:
                await self._record(s, row, Outcome.no_ack, row.provider, None, count=False)
                if values["state"] == State.flagged.value:
                    await self._record(s, row, Outcome.flagged, None, "nobody acknowledged",
                                       count=False)  # fmt: skip
        if moved and values["state"] == State.queued.value:
            await self.service.wake([delivery_id])

    async def _record(
        self,
        s: AsyncSession,
        row: DeliveryRow,
        outcome: Outcome,
        provider: str | None,
        error: str | None,
        *,
        count: bool = True,
    ) -> None:
        n = row.attempts + (1 if count else 0)
        channel, address = row.channel or "-", row.address or "-"
        s.add(
            DeliveryAttemptRow(
                delivery_id=row.id,
                n=n,
                channel=channel,
                address=address[:64],
                provider=provider,
                outcome=outcome.value,
                error=error,
                at=self.clock(),
            )
        )
        if row.case_id is not None:
            data = {
                "id": row.id,
                "purpose": row.purpose,
                "channel": channel,
                "recipient": mask(address),
                "attempt": n,
                "outcome": outcome.value,
            }
            if error:
                data["error"] = error[:120]
            await log_attempt(s, row.case_id, self.clock(), outcome.value, data)


def _next_route(row: DeliveryRow, now: Any) -> dict[str, Any]:
    """The row's values when its current route is given up."""
    if row.route_index + 1 < len(row.routes):
        return {
            "state": State.queued.value,
            "route_index": row.route_index + 1,
            "route_attempts": 0,
            "next_attempt_at": now,
        }
    final = State.flagged if row.requires_ack else State.failed
    return {"state": final.value, "next_attempt_at": None}
