"""漏接回拨: a caller who hung up while waiting becomes a call-back item.

The case stays in the call takers' queue (someone must call back), but its contact
is no longer live — it drops out of the "a person is on the line" tier — and its
summary says so where the queue shows it. The hang-up is written to the case log.
"""

from __future__ import annotations

import contextlib

from redis.exceptions import RedisError
from sqlalchemy import select

from core.cases import caselog
from core.cases.lifecycle import Action
from core.cases.tables import CaseRow, ContactRow
from core.cases.workitem import TownshipNames, queue_item
from core.clock import Clock
from core.queue.workqueue import WorkQueue
from core.storage.engine import Database

CALLBACK_MARK = "【漏接，请回拨】"


class MissedCallRecorder:
    def __init__(
        self,
        db: Database,
        workqueue: WorkQueue,
        names: TownshipNames | None,
        clock: Clock,
    ) -> None:
        self.db = db
        self.workqueue = workqueue
        self.names = names
        self.clock = clock

    async def missed(self, contact_id: int, waited_s: float, *, reason: str = "hung_up") -> None:
        """``reason``: ``hung_up`` (the caller left while waiting) or ``asterisk_restart``
        (the call was cut, even mid-conversation); the case log says which."""
        now = self.clock()
        async with self.db.session() as s:
            contact = await s.get(ContactRow, contact_id)
            if contact is None or not contact.live:
                return  # unknown, or already recorded (a repeated hang-up event)
            case = await s.scalar(select(CaseRow).where(CaseRow.id == contact.case_id))
            if case is None:
                return
            contact.live = False
            if not case.summary.startswith(CALLBACK_MARK):
                case.summary = (CALLBACK_MARK + case.summary)[:200]
            case.updated_at = now
            case.version += 1
            await caselog.append(
                s,
                case_id=case.id,
                actor="system:telephony",
                action=Action.note,
                at=now,
                data={
                    "missed_call": True,
                    "call_back": contact.sender,
                    "waited_s": round(waited_s, 1),
                    "contact_id": contact.id,
                    "reason": reason,
                },
            )
        if case.queued and case.taken_by is None:
            # Re-rank: no longer a live caller; the janitor repairs it if Redis fails.
            with contextlib.suppress(RedisError, OSError):
                await self.workqueue.add(queue_item(case, contact, self.names))
