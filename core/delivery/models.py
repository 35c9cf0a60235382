"""The vocabulary of delivery: purposes, states, routes, and the pure rules (masking,
backoff, quiet hours). No I/O, no clock of its own.

A delivery's life::

    queued ──claim──▶ sending ──provider took it──▶ sent ──receipt──▶ delivered
       ▲                 │                           │  (acknowledgement asked)
       │ retry/backoff   │ failed, tries left         ├──key 1 / link / SMS "1"──▶ acknowledged
       └─────────────────┘                           │
       next route ◀── failed on this route / no answer / not acknowledged in time
                                 │
                     no route left ──▶ failed (nothing asked) or flagged (a person
                                       must be told: shown on the big screen)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum


class Purpose(StrEnum):
    reply = "reply"  # the console's 发送答复 to a citizen
    notice = "notice"  # progress / completion notices, administrator test notices
    rating = "rating"  # a request to rate the handling
    reminder = "reminder"  # 催办 to the unit on duty
    ladder_step = "ladder_step"  # 督办: the accountability ladder (R12)


class State(StrEnum):
    queued = "queued"
    sending = "sending"
    sent = "sent"
    delivered = "delivered"
    acknowledged = "acknowledged"
    failed = "failed"
    flagged = "flagged"


# States a staff acknowledgement may end (a key pressed while the row is still
# "sending" — the call is in progress — counts too).
ACKABLE = frozenset({State.sending, State.sent, State.delivered})


class Channel(StrEnum):
    sms = "sms"
    wecom = "wecom"
    voice = "voice"
    wechat = "wechat"
    weibo = "weibo"
    app = "app"
    stb = "stb"


class Outcome(StrEnum):
    """What one attempt came to (the ``delivery_attempts`` rows and the case log)."""

    sent = "sent"
    acknowledged = "acknowledged"
    unanswered = "unanswered"  # a call not answered, or answered without the key
    retry = "retry"  # a transient failure; tried again on the same route
    failed = "failed"  # this route is given up
    no_ack = "no_ack"  # sent, but nobody acknowledged in time
    quiet = "quiet"  # held for the end of quiet hours
    flagged = "flagged"  # no route (left): a person must look at it


@dataclass(frozen=True, slots=True)
class Route:
    channel: str
    address: str


@dataclass(frozen=True, slots=True)
class Request:
    """One message to one person, as a caller asks for it."""

    key: str  # idempotency: the same key is the same message, however often staged
    purpose: Purpose
    text: str
    recipient: str  # person:<id> / unit:<id> / org:<name> / citizen:<channel>:<id>
    recipient_name: str
    routes: tuple[Route, ...]
    case_id: int | None = None
    case_number: str | None = None
    instruction_id: int | None = None
    requires_ack: bool = False
    # An emergency (or an administrator's test) is never held for quiet hours.
    urgent: bool = False
    extra: dict[str, str] = field(default_factory=dict)


_MOBILE = re.compile(r"^(\+?86)?(1\d{2})\d{4}(\d{4})$")


def mask(address: str) -> str:
    """A recipient as lists show it: 138****5678; other ids keep their ends only."""
    m = _MOBILE.match(address)
    if m:
        return f"{m.group(2)}****{m.group(3)}"
    if len(address) <= 4:
        return address[:1] + "***"
    return f"{address[:2]}***{address[-2:]}"


def backoff(attempt: int, base_s: float, cap_s: float) -> timedelta:
    """Wait before try ``attempt + 1`` on the same route: base, 2×base, 4×base … cap."""
    return timedelta(seconds=min(base_s * 2 ** max(attempt - 1, 0), cap_s))


def quiet_exempt(purpose: Purpose, urgent: bool) -> bool:
    """Never held: emergencies, ladder steps, and replies a citizen is waiting for."""
    return urgent or purpose in (Purpose.ladder_step, Purpose.reply)


def quiet_until(local: datetime, hours: tuple[int, int] | None) -> datetime | None:
    """The end of the quiet period ``local`` falls in (same tz), or None outside it."""
    if hours is None:
        return None
    start, end = hours
    h = local.hour
    inside = start <= h < end if start < end else (h >= start or h < end)
    if not inside or start == end:
        return None
    until = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if until <= local:
        until += timedelta(days=1)
    return until


def text_with_ack(text: str, channel: str) -> str:
    """What a channel says so that the reader knows how to acknowledge."""
    if channel == Channel.sms:
        return f"{text}（收到请回复1）"
    return text
