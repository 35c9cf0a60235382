"""The default channel adapter: notices are recorded in ``escalation_notifications``.

Until the SMS/WeChat adapters exist this is what "notify" means: the record is what a
supervisor reads (and what an SMS gateway adapter will later relay). Recording is
idempotent on the notice key, so a re-delivered notice is still one row.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.clock import Clock
from core.escalation.ports import Notice
from core.escalation.sql import insert_ignoring
from core.escalation.tables import NotificationRow
from core.storage.base import utcnow
from core.storage.engine import Database


class RecordingNotifier:
    channel = "record"

    def __init__(self, db: Database, clock: Clock = utcnow) -> None:
        self.db = db
        self.clock = clock

    async def notify(self, notices: Sequence[Notice]) -> None:
        if not notices:
            return
        now = self.clock()
        stmt = insert_ignoring(NotificationRow.__table__, self.db.dialect, "key")
        async with self.db.session() as s:
            await s.execute(
                stmt,
                [
                    {
                        "key": n.key,
                        "recipient": n.recipient,
                        "person_id": n.person_id,
                        "name": n.name[:64],
                        "phone": n.phone,
                        "message": n.message,
                        "case_number": n.case_number,
                        "instruction_id": n.instruction_id,
                        "step": n.step,
                        "channel": self.channel,
                        "created_at": now,
                    }
                    for n in notices
                ],
            )
