"""Outbox publishing: a fast path right after commit and a relay for the rest.

The request path publishes straight after its commit and does not write to the
database again (that would cost a second commit per request). Rows nobody has
processed after ``republish_after_s`` — because Redis was down, the process died
between commit and publish, or Redis restarted empty and lost the entry — are
republished by the relay with exponential backoff. Consumers are idempotent on
the outbox id (``processed_at``), so a republished duplicate is harmless.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from redis.exceptions import RedisError
from sqlalchemy import and_, or_, select, update

from core.aio import sleep_or_stop
from core.clock import Clock
from core.queue.streams import RedisStreams
from core.queue.tables import OutboxRow
from core.storage.engine import Database

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 600.0


class StreamPublisher:
    """The request path's publisher: never raises, the relay covers failures."""

    def __init__(self, streams: RedisStreams) -> None:
        self.streams = streams

    async def publish(self, outbox_id: int, topic: str, payload: dict[str, Any]) -> bool:
        try:
            await self.streams.publish(outbox_id, topic, payload)
        except (RedisError, OSError) as exc:
            log.warning(
                "publish deferred to outbox relay",
                extra={"outbox_id": outbox_id, "error": str(exc)},
            )
            return False
        return True

    async def publish_many(self, entries: list[tuple[int, str, dict[str, Any]]]) -> bool:
        try:
            await self.streams.publish_many(entries)
        except (RedisError, OSError) as exc:
            log.warning(
                "publish deferred to outbox relay",
                extra={"outbox_ids": [e[0] for e in entries], "error": str(exc)},
            )
            return False
        return True


class OutboxRelay:
    def __init__(
        self,
        db: Database,
        streams: RedisStreams,
        *,
        republish_after_s: float,
        interval_s: float,
        clock: Clock,
        batch: int = 500,
    ) -> None:
        self.db = db
        self.streams = streams
        self.republish_after = timedelta(seconds=republish_after_s)
        self.interval_s = interval_s
        self.clock = clock
        self.batch = batch

    async def run_once(self) -> int:
        """Publish one batch of due rows; returns how many were published."""
        now = self.clock()
        cutoff = now - self.republish_after
        async with self.db.session() as s:
            rows = (
                await s.execute(
                    select(
                        OutboxRow.id,
                        OutboxRow.topic,
                        OutboxRow.payload,
                        OutboxRow.attempts,
                        OutboxRow.published_at,
                        OutboxRow.created_at,
                    )
                    .where(OutboxRow.processed_at.is_(None))
                    .where(
                        or_(
                            and_(OutboxRow.published_at.is_(None), OutboxRow.created_at < cutoff),
                            OutboxRow.published_at < cutoff,
                        )
                    )
                    .order_by(OutboxRow.id)
                    .limit(self.batch)
                )
            ).all()
        due = [
            r
            for r in rows
            if r.published_at is None or r.published_at + self._backoff(r.attempts) <= now
        ]
        if due:
            try:
                backlog = await self.streams.backlog()
            except (RedisError, OSError) as exc:
                log.warning("outbox relay cannot reach redis", extra={"error": str(exc)})
                return 0
            if backlog:
                # The consumers are still working through the stream, which very
                # likely holds these rows: republishing now would only add
                # duplicates. Rows older than the patience limit go anyway, so a
                # system that is never idle still recovers a lost entry.
                patience = max(self.republish_after * 10, timedelta(seconds=60))
                due = [
                    r for r in due if r.published_at is not None or r.created_at < now - patience
                ]
        published: list[int] = []
        for r in due:
            try:
                await self.streams.publish(r.id, r.topic, r.payload)
            except (RedisError, OSError) as exc:
                log.warning("outbox relay cannot reach redis", extra={"error": str(exc)})
                break
            published.append(r.id)
        if published:
            async with self.db.session() as s:
                await s.execute(
                    update(OutboxRow)
                    .where(OutboxRow.id.in_(published))
                    .values(published_at=now, attempts=OutboxRow.attempts + 1)
                )
        return len(published)

    def _backoff(self, attempts: int) -> timedelta:
        seconds = min(
            self.republish_after.total_seconds() * (2 ** max(attempts - 1, 0)), MAX_BACKOFF_S
        )
        return timedelta(seconds=seconds)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                n = await self.run_once()
            except Exception:  # a relay that dies silently loses the safety net
                log.exception("outbox relay pass failed")
                n = 0
            if n < self.batch:
                await sleep_or_stop(stop, self.interval_s)
