"""One hotline call as an explicit state machine. Pure: no I/O, no clock of its own.

    arrived ──contact_created──▶ registered ──answered──▶ answered
       │                                                     │ greeting_started
       │                                                     ▼
       │                          queued ◀──greeting_finished── greeting
       │
       ├──handed_to_fallback──▶ fallback   (app could not register the call: the
       │                                    dialplan hunt group takes it)
       └──hung_up──▶ ended                 (from any live state)

The state is persisted per channel (``telephony.store``) after every transition, so a
restarted process - or a later phase's call taker API - can pick a call up where it
is. ``fallback`` and ``ended`` are terminal.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from telephony.errors import IllegalCallTransition


class CallState(StrEnum):
    arrived = "arrived"  # StasisStart seen; the caller hears ringback
    registered = "registered"  # the contact (and its case) exists
    answered = "answered"
    greeting = "greeting"  # the hotline's greeting is playing
    queued = "queued"  # in the holding bridge, waiting for a call taker
    fallback = "fallback"  # handed back to the dialplan's hunt group
    ended = "ended"  # the caller is gone


class CallEvent(StrEnum):
    contact_created = "contact_created"
    answered = "answered"
    greeting_started = "greeting_started"
    greeting_finished = "greeting_finished"
    handed_to_fallback = "handed_to_fallback"
    hung_up = "hung_up"


TERMINAL = frozenset({CallState.fallback, CallState.ended})
_LIVE = frozenset(CallState) - TERMINAL

TRANSITIONS: dict[tuple[CallState, CallEvent], CallState] = {
    (CallState.arrived, CallEvent.contact_created): CallState.registered,
    (CallState.registered, CallEvent.answered): CallState.answered,
    (CallState.answered, CallEvent.greeting_started): CallState.greeting,
    (CallState.greeting, CallEvent.greeting_finished): CallState.queued,
    # A greeting that could not be played at all still leaves the caller queued.
    (CallState.answered, CallEvent.greeting_finished): CallState.queued,
    **{(s, CallEvent.handed_to_fallback): CallState.fallback for s in _LIVE},
    **{(s, CallEvent.hung_up): CallState.ended for s in _LIVE},
}


@dataclass(frozen=True, slots=True)
class Call:
    channel_id: str
    hotline: str
    caller: str
    state: CallState
    arrived_at: float  # epoch seconds; the queue's waiting time starts here
    updated_at: float
    contact_id: int | None = None
    case_number: str | None = None
    bridge_id: str | None = None
    lat: float | None = None
    lon: float | None = None

    @property
    def live(self) -> bool:
        return self.state not in TERMINAL

    def to_record(self) -> dict[str, str]:
        """Flat strings for a Redis hash; None fields are left out."""
        out: dict[str, str] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if value is not None:
                out[name] = str(value)
        return out

    @classmethod
    def from_record(cls, rec: dict[str, str]) -> Call:
        def opt(name: str, kind: type[Any]) -> Any:
            raw = rec.get(name)
            return None if raw in (None, "") else kind(raw)

        return cls(
            channel_id=rec["channel_id"],
            hotline=rec["hotline"],
            caller=rec["caller"],
            state=CallState(rec["state"]),
            arrived_at=float(rec["arrived_at"]),
            updated_at=float(rec["updated_at"]),
            contact_id=opt("contact_id", int),
            case_number=opt("case_number", str),
            bridge_id=opt("bridge_id", str),
            lat=opt("lat", float),
            lon=opt("lon", float),
        )


def arrive(
    channel_id: str,
    hotline: str,
    caller: str,
    at: float,
    *,
    lat: float | None = None,
    lon: float | None = None,
) -> Call:
    return Call(channel_id, hotline, caller, CallState.arrived, at, at, lat=lat, lon=lon)


def advance(call: Call, event: CallEvent, at: float, **changes: Any) -> Call:
    """The call after ``event``; raises IllegalCallTransition for an event the current
    state does not accept (e.g. answering a call that already ended)."""
    target = TRANSITIONS.get((call.state, event))
    if target is None:
        raise IllegalCallTransition(
            f"{event.value} is not allowed in state {call.state.value}",
            details={"channel_id": call.channel_id, "state": call.state, "event": event},
        )
    return replace(call, state=target, updated_at=at, **changes)
