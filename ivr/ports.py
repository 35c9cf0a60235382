"""What the IVR engine needs from the outside, as small Protocols.

``IvrChannel`` is the caller's line (FastAGI in production, ``tests.ivr.fakes`` in the
tests); ``IvrBackend`` is the platform (the queue's backlog, case status, call-back
booking). Both raise :class:`~ivr.errors.CallerHungUp` when the caller has gone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from core.cases.models import CaseState


@dataclass(frozen=True, slots=True)
class CallInfo:
    hotline: str
    caller: str  # the caller's number as Asterisk has it (CALLERID(num))
    call_id: str  # Asterisk's unique id of the channel (also the ARI channel id)


@dataclass(frozen=True, slots=True)
class CaseStatus:
    number: str
    state: CaseState
    merged_into: CaseStatus | None = None


class IvrChannel(Protocol):
    async def play(self, prompts: Sequence[str], *, interruptible: bool = True) -> str | None:
        """Play prompts in order; a key pressed meanwhile stops playback and is
        returned when ``interruptible``, else None."""
        ...

    async def wait_key(self, timeout_s: float) -> str | None:
        """One key, or None after ``timeout_s`` without one."""
        ...

    async def read_digits(self, prompt: str, *, timeout_s: float, max_len: int) -> str:
        """Play ``prompt`` and collect digits until '#', ``max_len`` digits or the
        timeout; '' when nothing was typed."""
        ...

    async def say_digits(self, digits: str) -> None: ...

    async def set_variable(self, name: str, value: str) -> None: ...

    async def hangup(self) -> None: ...


class IvrBackend(Protocol):
    async def backlog(self) -> int:
        """Cases waiting in the work queue (0 when unknown: never block a caller)."""
        ...

    async def case_status(self, number: str, caller: str) -> CaseStatus | None:
        """The case's status if one of its contacts came from ``caller``; None for an
        unknown case and for somebody else's case alike (no leak)."""
        ...

    async def status_enquired(self, call: CallInfo, number: str, found: bool) -> None:
        """Record the enquiry (the case log of a found case)."""
        ...

    async def book_callback(self, call: CallInfo, category: str | None) -> str:
        """Create a call-back item in the queue; returns its case number."""
        ...


class StaffedHours(Protocol):
    def is_open(self, hotline: str, at: datetime) -> bool: ...
