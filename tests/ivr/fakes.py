"""A test harness for the IVR engine, shipped with the package (events in, commands out).

``ScriptedChannel`` plays the caller from a script of events - ``Key("1")``,
``Digits("2026112600001")``, ``Timeout()``, ``HangUp()`` - and records every command
the engine gave. ``MemoryBackend`` and ``FixedHours`` are in-memory implementations
of the ports with the same rules as the real ones (a case is visible only to a
caller who filed it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from core.cases.models import CaseState
from ivr.errors import CallerHungUp
from ivr.ports import CallInfo, CaseStatus


@dataclass(frozen=True, slots=True)
class Key:
    key: str


@dataclass(frozen=True, slots=True)
class Digits:
    digits: str


@dataclass(frozen=True, slots=True)
class Timeout:
    pass


@dataclass(frozen=True, slots=True)
class HangUp:
    pass


Event = Key | Digits | Timeout | HangUp
Command = tuple[str, ...]


class ScriptedChannel:
    """The caller's side of a call. An exhausted script means the caller hung up."""

    def __init__(self, events: Iterable[Event]) -> None:
        self.events = list(events)
        self.commands: list[Command] = []
        self.variables: dict[str, str] = {}

    def _next(self) -> Event:
        if not self.events or isinstance(self.events[0], HangUp):
            raise CallerHungUp("the scripted caller hung up")
        return self.events.pop(0)

    @property
    def played(self) -> list[str]:
        return [name for c in self.commands if c[0] == "play" for name in c[1:]]

    async def play(self, prompts: Sequence[str], *, interruptible: bool = True) -> str | None:
        self.commands.append(("play", *prompts))
        # A hang-up is noticed where the caller could act: at an interruptible prompt.
        if interruptible and self.events and isinstance(self.events[0], HangUp):
            raise CallerHungUp("the scripted caller hung up")
        if interruptible and self.events and isinstance(self.events[0], Key):
            key = self._next()
            assert isinstance(key, Key)
            return key.key
        return None

    async def wait_key(self, timeout_s: float) -> str | None:
        self.commands.append(("wait", str(timeout_s)))
        event = self._next()
        if isinstance(event, Key):
            return event.key
        if isinstance(event, Timeout):
            return None
        raise AssertionError(f"caller script expected a key or a timeout, has {event}")

    async def read_digits(self, prompt: str, *, timeout_s: float, max_len: int) -> str:
        self.commands.append(("read", prompt, str(max_len)))
        event = self._next()
        if isinstance(event, Digits):
            return event.digits[:max_len]
        if isinstance(event, Timeout):
            return ""
        raise AssertionError(f"caller script expected digits or a timeout, has {event}")

    async def say_digits(self, digits: str) -> None:
        self.commands.append(("say", digits))

    async def set_variable(self, name: str, value: str) -> None:
        self.commands.append(("set", name, value))
        self.variables[name] = value

    async def hangup(self) -> None:
        self.commands.append(("hangup",))


@dataclass
class StoredCase:
    number: str
    state: CaseState
    senders: set[str]
    merged_into: str | None = None


@dataclass
class MemoryBackend:
    cases: dict[str, StoredCase] = field(default_factory=dict)
    queue_backlog: int = 0
    fail_callbacks: bool = False
    callbacks: list[tuple[CallInfo, str | None]] = field(default_factory=list)
    enquiries: list[tuple[str, str, bool]] = field(default_factory=list)

    def add_case(
        self, number: str, state: CaseState, *senders: str, merged_into: str | None = None
    ) -> None:
        self.cases[number] = StoredCase(number, state, set(senders), merged_into)

    async def backlog(self) -> int:
        return self.queue_backlog

    async def case_status(self, number: str, caller: str) -> CaseStatus | None:
        case = self.cases.get(number)
        if case is None or caller not in case.senders:
            return None
        target = self.cases.get(case.merged_into) if case.merged_into else None
        merged = CaseStatus(target.number, target.state) if target else None
        return CaseStatus(case.number, case.state, merged)

    async def status_enquired(self, call: CallInfo, number: str, found: bool) -> None:
        self.enquiries.append((call.caller, number, found))

    async def book_callback(self, call: CallInfo, category: str | None) -> str:
        if self.fail_callbacks:
            raise RuntimeError("database down")
        self.callbacks.append((call, category))
        return f"QX-20261126-{90000 + len(self.callbacks):05d}"


@dataclass
class FixedHours:
    open: bool = True
    asked: list[tuple[str, datetime]] = field(default_factory=list)

    def is_open(self, hotline: str, at: datetime) -> bool:
        self.asked.append((hotline, at))
        return self.open


__all__ = [
    "Digits",
    "FixedHours",
    "HangUp",
    "Key",
    "MemoryBackend",
    "ScriptedChannel",
    "Timeout",
]
