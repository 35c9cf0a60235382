"""What delivery needs from the channel adapters and from Redis (small Protocols)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from core.delivery.models import Outcome, Purpose


@dataclass(frozen=True, slots=True)
class Outgoing:
    delivery_id: int
    key: str  # idempotency key; providers that take one (SMS OutId) get it
    attempt: int  # 1-based, over the whole delivery (call ids use it)
    address: str
    text: str
    purpose: Purpose
    requires_ack: bool
    ack_url: str | None  # for channels that can carry a link (work messages)


@dataclass(frozen=True, slots=True)
class Sent:
    """A channel's answer: ``sent`` (handed over), ``acknowledged`` (the person
    confirmed during the attempt: a voice call's key 1) or ``unanswered``."""

    outcome: Outcome
    provider: str
    vendor_id: str | None = None


class ChannelSender(Protocol):
    channel: str

    async def send(self, out: Outgoing) -> Sent:
        """Deliver one message; raise ``core.delivery.errors.SendFailed``."""
        ...


class RateLimiter(Protocol):
    async def wait_s(self, scope: str, ident: str, limit: int, window_s: int) -> float:
        """0 if one more send fits the window now, else seconds until it does."""
        ...


class Waker(Protocol):
    async def wake(self, delivery_ids: list[int]) -> None:
        """Tell the workers these rows are due (best effort: the sweep covers a loss)."""
        ...
