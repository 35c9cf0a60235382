"""A consumer in the intake group: re-claims what dead consumers left, then reads new.

Each entry is acknowledged only after its handler committed. A handler that
raises leaves the entry pending; after ``claim_idle_ms`` any live consumer
re-claims it with XAUTOCLAIM, and after ``max_deliveries`` it is moved to the
dead-letter stream so one poison entry cannot block the group.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from redis.exceptions import RedisError

from core.aio import sleep_or_stop
from core.queue.streams import Entry, RedisStreams

log = logging.getLogger(__name__)

Handler = Callable[[Entry], Awaitable[None]]


class StreamConsumer:
    def __init__(
        self,
        streams: RedisStreams,
        name: str,
        handler: Handler,
        *,
        claim_idle_ms: int,
        max_deliveries: int,
        batch: int = 32,
        block_ms: int = 1000,
    ) -> None:
        self.streams = streams
        self.name = name
        self.handler = handler
        self.claim_idle_ms = claim_idle_ms
        self.max_deliveries = max_deliveries
        self.batch = batch
        self.block_ms = block_ms
        self.processed = 0
        self.failed = 0
        self._last_claim = 0.0

    async def process(self, entry: Entry) -> None:
        if entry.deliveries > self.max_deliveries:
            await self.streams.dead_letter(entry, f"failed {entry.deliveries - 1} deliveries")
            log.error(
                "entry dead-lettered", extra={"entry_id": entry.id, "outbox_id": entry.outbox_id}
            )
            return
        try:
            await self.handler(entry)
        except Exception:
            self.failed += 1
            log.exception(
                "handler failed; entry stays pending for re-claim",
                extra={"entry_id": entry.id, "deliveries": entry.deliveries},
            )
            return
        await self.streams.ack(entry.id)
        self.processed += 1

    async def poll_once(self) -> int:
        entries: list[Entry] = []
        now = time.monotonic()
        # Claiming scans the PEL; doing it every half idle-period is enough to
        # bound how long a dead consumer's entries wait.
        if now - self._last_claim >= min(self.claim_idle_ms / 2000, 5.0):
            self._last_claim = now
            entries = await self.streams.autoclaim(
                self.name, min_idle_ms=self.claim_idle_ms, count=self.batch
            )
        entries += await self.streams.read(
            self.name, count=self.batch, block_ms=0 if entries else self.block_ms
        )
        for e in entries:
            await self.process(e)
        return len(entries)

    async def run(self, stop: asyncio.Event) -> None:
        await self._ensure_group(stop)
        backoff = 0.1
        while not stop.is_set():
            try:
                await self.poll_once()
                backoff = 0.1
            except (RedisError, OSError) as exc:
                log.warning(
                    "consumer lost redis; retrying", extra={"error": str(exc), "backoff_s": backoff}
                )
                await sleep_or_stop(stop, backoff)
                backoff = min(backoff * 2, 5.0)

    async def _ensure_group(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.streams.ensure_group()
                return
            except (RedisError, OSError):
                await sleep_or_stop(stop, 0.5)
