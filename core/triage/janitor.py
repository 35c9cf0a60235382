"""Housekeeping that keeps Redis an index of the database, never the truth.

- ``reconcile``: the work queue's sorted set is made to match ``cases.queued``
  (re-adding what Redis lost, dropping what was taken or closed elsewhere).
- ``prune_consumers``: consumers gone for long with nothing pending are deleted
  from the group, so XINFO shows the live ones. Their pending entries, if any,
  are re-claimed by live consumers through XAUTOCLAIM first.
"""

from __future__ import annotations

import asyncio
import logging

from redis.exceptions import RedisError
from sqlalchemy import func, select

from core.aio import sleep_or_stop
from core.cases.tables import CaseRow, ContactRow
from core.cases.workitem import TownshipNames, queue_item
from core.queue.streams import RedisStreams
from core.queue.workqueue import WorkQueue
from core.storage.engine import Database

log = logging.getLogger(__name__)


class Janitor:
    def __init__(
        self,
        db: Database,
        streams: RedisStreams,
        workqueue: WorkQueue,
        names: TownshipNames | None,
        *,
        interval_s: float = 5.0,
        consumer_gone_ms: int = 3_600_000,
    ) -> None:
        self.db = db
        self.streams = streams
        self.workqueue = workqueue
        self.names = names
        self.interval_s = interval_s
        self.consumer_gone_ms = consumer_gone_ms

    async def reconcile(self) -> dict[str, int]:
        first_contact = (
            select(ContactRow.case_id, func.min(ContactRow.id).label("cid"))
            .group_by(ContactRow.case_id)
            .subquery()
        )
        async with self.db.session() as s:
            rows = (
                await s.execute(
                    select(CaseRow, ContactRow)
                    .join(first_contact, first_contact.c.case_id == CaseRow.id)
                    .join(ContactRow, ContactRow.id == first_contact.c.cid)
                    .where(
                        CaseRow.queued.is_(True),
                        CaseRow.taken_by.is_(None),
                        CaseRow.state == "received",
                    )
                )
            ).all()
        expected = {case.number: (case, contact) for case, contact in rows}
        present = await self.workqueue.members()
        added = 0
        for number in expected.keys() - present:
            case, contact = expected[number]
            await self.workqueue.add(queue_item(case, contact, self.names))
            added += 1
        removed = 0
        for number in present - expected.keys():
            removed += await self.workqueue.remove(number)
        if added or removed:
            log.info("work queue reconciled", extra={"added": added, "removed": removed})
        return {"added": added, "removed": removed}

    async def prune_consumers(self) -> int:
        pruned = 0
        for c in await self.streams.redis.xinfo_consumers(self.streams.stream, self.streams.group):
            if int(c["pending"]) == 0 and int(c["idle"]) > self.consumer_gone_ms:
                name = c["name"].decode() if isinstance(c["name"], bytes) else c["name"]
                await self.streams.redis.xgroup_delconsumer(
                    self.streams.stream, self.streams.group, name
                )
                pruned += 1
        return pruned

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.reconcile()
                await self.prune_consumers()
            except (RedisError, OSError) as exc:
                log.warning("janitor cannot reach redis", extra={"error": str(exc)})
            except Exception:
                log.exception("janitor pass failed")
            await sleep_or_stop(stop, self.interval_s)
