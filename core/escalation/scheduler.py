"""The escalation scheduler: the long-running loop that takes due ladder steps.

It holds no timers of its own: each pass asks the database what is due (``next_due_at``
<= now), so it can be stopped, killed or run twice at any moment. Wire it into a
worker's task group with ``tg.create_task(scheduler.run(stop))``; run it stand-alone
with ``python -m liandong.processes.scheduler``.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from core.aio import sleep_or_stop
from core.clock import Clock, utc_clock
from core.escalation.notifier import RecordingNotifier
from core.escalation.ports import Notice, Notifier
from core.escalation.service import EscalationService, Pass
from core.storage.engine import Database

log = logging.getLogger(__name__)


class EscalationScheduler:
    def __init__(
        self,
        service: EscalationService,
        notifier: Notifier,
        *,
        name: str,
        clock: Clock = utc_clock,
        batch: int = 500,
        poll_s: float = 0.25,
        coalesce_s: float = 0.1,
        redeliver_after_s: float = 30.0,
        redeliver_every_s: float = 5.0,
    ) -> None:
        self.service = service
        self.notifier = notifier
        self.name = name
        self.clock = clock
        self.batch = batch
        # The longest an idle loop sleeps: new dispatches and the trigger's pokes are
        # noticed within this.
        self.poll_s = poll_s
        # When timers fall due continuously (thousands a minute), waking for each one
        # would spend every pass on per-transaction overhead: passes start at most
        # this often, so each takes what fell due meanwhile. A pass that itself took
        # longer than this is followed at once.
        self.coalesce_s = min(coalesce_s, poll_s)
        self.redeliver_after = timedelta(seconds=redeliver_after_s)
        self.redeliver_every_s = redeliver_every_s
        self.taken = 0
        self._delivered: list[int] = []  # step ids delivered, to mark in the next pass
        self._next_due: datetime | None = None

    async def run_once(self) -> Pass:
        """One pass: take what is due now, commit, then deliver its notices."""
        marks, self._delivered = self._delivered, []
        try:
            p = await self.service.take_due(
                self.clock(),
                limit=self.batch,
                by=f"system:escalation:{self.name}",
                delivered=marks,
            )
        except BaseException:
            self._delivered = marks + self._delivered  # not marked: keep them for later
            raise
        self._next_due = p.next_due_at
        self.taken += p.steps
        await self._deliver(p.notices)
        return p

    async def drain(self) -> int:
        """Pass until nothing is due now, then record deliveries (tests and tools)."""
        total = 0
        while True:
            p = await self.run_once()
            total += p.steps
            if p.claimed < self.batch:
                await self.flush()
                return total

    async def flush(self) -> None:
        """Mark delivered steps now rather than with the next pass."""
        marks, self._delivered = self._delivered, []
        await self.service.mark_notified(marks, self.clock())

    async def _deliver(self, notices: dict[int, list[Notice]]) -> None:
        if not notices:
            return
        await self.notifier.notify([n for batch in notices.values() for n in batch])
        self._delivered.extend(notices)

    async def redeliver(self) -> int:
        """Deliver notices of steps whose scheduler died between commit and delivery."""
        pending = await self.service.unsent(self.clock() - self.redeliver_after)
        await self._deliver(pending)
        await self.flush()
        if pending:
            log.warning("re-delivered escalation notices", extra={"steps": len(pending)})
        return len(pending)

    def _wait(self, since_start: float) -> float:
        if self._next_due is None:
            return self.poll_s
        until = (self._next_due - self.clock()).total_seconds()
        return min(self.poll_s, max(until, self.coalesce_s - since_start))

    async def run(self, stop: asyncio.Event) -> None:
        log.info("escalation scheduler started", extra={"scheduler": self.name})
        loop = asyncio.get_running_loop()
        last_redeliver = loop.time()
        try:
            while not stop.is_set():
                started = loop.time()
                try:
                    p = await self.run_once()
                    if loop.time() - last_redeliver >= self.redeliver_every_s:
                        last_redeliver = loop.time()
                        await self.redeliver()
                    full = p.claimed >= self.batch
                    wait = 0.0 if full else self._wait(loop.time() - started)
                except Exception:  # the database is down or a row is odd: retry, not die
                    log.exception("escalation pass failed")
                    wait = 1.0
                if wait <= 0:
                    await asyncio.sleep(0)  # let the rest of the task group run
                elif await sleep_or_stop(stop, wait):
                    break
            await self.flush()
        finally:
            log.info(
                "escalation scheduler stopped",
                extra={"scheduler": self.name, "steps": self.taken},
            )


def build_scheduler(
    db: Database,
    name: str,
    clock: Clock = utc_clock,
    notifier: Notifier | None = None,
    **kw: Any,
) -> EscalationScheduler:
    """The scheduler for the worker to run; ``notifier`` defaults to recording only."""
    return EscalationScheduler(
        EscalationService(db),
        notifier or RecordingNotifier(db, clock),
        name=name,
        clock=clock,
        **kw,
    )
