"""Channel vocabulary shared by every adapter (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class OutboundStatus(StrEnum):
    """Delivery status of a message we sent. Receipts may arrive late, twice or out
    of order; the status only ever moves to a higher rank."""

    queued = "queued"
    sending = "sending"
    sent = "sent"  # the vendor accepted it
    failed = "failed"  # the vendor or the handset refused it
    delivered = "delivered"  # the handset confirmed it (final)


RANK: dict[OutboundStatus, int] = {
    OutboundStatus.queued: 0,
    OutboundStatus.sending: 1,
    OutboundStatus.sent: 2,
    OutboundStatus.failed: 3,
    OutboundStatus.delivered: 4,
}


def lower_ranks(status: OutboundStatus) -> list[str]:
    """The statuses a row may move *from* to reach ``status``."""
    return [s.value for s, r in RANK.items() if r < RANK[status]]


@dataclass(frozen=True, slots=True)
class Accepted:
    """What a channel tells the citizen after intake: the case number, and whether
    this was a vendor retry of a message we already hold."""

    case_number: str
    contact_id: int | None
    duplicate: bool


ACCEPTED_REPLY = "已受理，编号 {number}，回复'查询'可查进度"
