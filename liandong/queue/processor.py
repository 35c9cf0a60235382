"""The intake handler: classify and place a new contact's case, then queue it.

Exactly-once effect: the first statement of the transaction flips the outbox
row's ``processed_at`` from NULL; a duplicate delivery (re-claim after a crash,
or an outbox republish) finds it set and changes nothing. On PostgreSQL the
row lock makes a concurrent duplicate wait and then see the flag; on SQLite the
write lock serialises them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from liandong.cases import caselog
from liandong.cases.lifecycle import Action
from liandong.cases.tables import CaseRow, ContactRow
from liandong.db.engine import Database
from liandong.queue.streams import Entry
from liandong.queue.tables import OutboxRow
from liandong.queue.workqueue import QueueItem, WorkQueue
from router.ports import Classifier


class Placed(Protocol):
    @property
    def township_id(self) -> int: ...
    @property
    def township_name(self) -> str: ...
    @property
    def grid_id(self) -> int: ...


class Locator(Protocol):
    def locate(self, lat: float, lon: float) -> Placed | None: ...


def queue_item(case: CaseRow, contact: ContactRow, locator: Locator | None) -> QueueItem:
    """The work-queue view of a case, from its row and its first contact."""
    placed = (
        locator.locate(case.lat, case.lon)
        if locator is not None and case.lat is not None and case.lon is not None
        else None
    )
    return QueueItem(
        case_number=case.number,
        channel=contact.channel,
        hotline=contact.hotline,
        category=case.category,
        subtype=case.subtype,
        priority=case.priority,
        emergency=case.emergency,
        live=contact.live,
        summary=case.summary,
        township=placed.township_name if placed else None,
        enqueued_at=contact.received_at.timestamp(),
    )


class IntakeProcessor:
    def __init__(
        self,
        db: Database,
        classifier: Classifier,
        locator: Locator | None,
        workqueue: WorkQueue,
        clock: Callable[[], datetime],
        name: str,
    ) -> None:
        self.db = db
        self.classifier = classifier
        self.locator = locator
        self.workqueue = workqueue
        self.clock = clock
        self.name = name

    async def __call__(self, entry: Entry) -> None:
        now = self.clock()
        async with self.db.session() as s:
            claimed = await s.execute(
                update(OutboxRow)
                .where(OutboxRow.id == entry.outbox_id, OutboxRow.processed_at.is_(None))
                .values(processed_at=now, processed_by=self.name)
            )
            contact = await s.scalar(
                select(ContactRow).where(ContactRow.id == entry.payload["contact_id"])
            )
            case = await s.scalar(select(CaseRow).where(CaseRow.id == entry.payload["case_id"]))
            if contact is None or case is None:
                raise LookupError(f"outbox {entry.outbox_id} names a missing contact or case")
            if claimed.rowcount == 1:  # type: ignore[attr-defined]
                await self._classify(s, case, contact, now)
            elif not case.queued:
                return
        if case.queued and case.taken_by is None and case.state == "received":
            # Re-adding on a duplicate delivery heals a queue entry lost with Redis.
            await self.workqueue.add(queue_item(case, contact, self.locator))

    async def _classify(
        self, s: AsyncSession, case: CaseRow, contact: ContactRow, now: datetime
    ) -> None:
        text = contact.text or contact.transcript or ""
        c = self.classifier.classify(text, contact.hotline)
        before = {
            "category": case.category,
            "subtype": case.subtype,
            "emergency": case.emergency,
            "priority": case.priority,
            "township_id": case.township_id,
            "grid_id": case.grid_id,
        }
        case.category, case.subtype = c.category, c.subtype
        case.emergency, case.priority = c.emergency, c.priority
        placed = (
            self.locator.locate(case.lat, case.lon)
            if self.locator is not None and case.lat is not None and case.lon is not None
            else None
        )
        if placed is not None:
            case.township_id, case.grid_id = placed.township_id, placed.grid_id
        case.queued = case.state == "received"
        case.updated_at = now
        case.version += 1
        after = {
            "category": case.category,
            "subtype": case.subtype,
            "emergency": case.emergency,
            "priority": case.priority,
            "township_id": case.township_id,
            "grid_id": case.grid_id,
        }
        await caselog.append(
            s,
            case_id=case.id,
            actor=f"system:{self.name}",
            action=Action.classify,
            at=now,
            before=before,
            after=after,
            data={
                "keywords": [list(k) for k in c.keywords],
                "explanation": c.explanation,
                "contact_id": contact.id,
            },
        )
