"""A case as an item of the call takers' work queue (its row and its first contact)."""

from __future__ import annotations

from typing import Protocol

from core.cases.tables import CaseRow, ContactRow
from core.queue.workqueue import QueueItem


class TownshipNames(Protocol):
    def township_name(self, township_id: int | None) -> str | None: ...


def queue_item(case: CaseRow, contact: ContactRow, names: TownshipNames | None) -> QueueItem:
    """The work-queue view of a case, from its row and its first contact."""
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
        township=names.township_name(case.township_id) if names else None,
        enqueued_at=contact.received_at.timestamp(),
    )
