"""One hotline call as an explicit state machine. Pure: no I/O, no clock of its own.

Phase 1 (the caller reaches the queue)::

    arrived ──contact_created──▶ registered ──answered──▶ answered
       │                                                     │ greeting_started
       │                                                     ▼
       │                          queued ◀──greeting_finished── greeting
       ├──handed_to_fallback──▶ fallback   (app could not register the call)
       └──hung_up──▶ ended                 (from any live state)

Phase 2 (a call taker works the call)::

    queued ──take──▶ ringing_seat ──seat_answered──▶ talking ◀──resumed── on_hold
       ▲                 │ seat_failed                 │  │ └────held────▶ ┘
       └─────────────────┘                             │  ├─conference_started─▶ conference
       ▲                                               │  │      (peer_left ▶ talking)
       │ transfer_failed                               │  ├─transfer_started─▶ transferring
       │                                               │  │   transfer_cancelled ▶ talking
    transferred ◀──transfer_blind─────────────────────-┘  │   transfer_completed ▶ transferred

    call-back (outbound, ``direction="out"``)::

    ringing_seat ──callback_seat_answered──▶ dialing_out ──citizen_answered──▶ talking

``take`` is accepted from ``greeting`` too: the seat rings while the greeting plays
(the caller joins the holding bridge when it ends, if nobody answered yet).
``held``, ``transfer_*`` and ``conference_started`` are accepted from ``on_hold`` too
(the call taker may consult with the caller on hold). ``seat_left`` takes an
``on_hold`` call back to ``queued`` when the seat's phone drops (the caller is never
hung up on for it). The state is persisted per
channel (``telephony.calls.store``) after every transition together with the event that
caused it, so a restarted process - and the desktop, through ``{prefix}:tel:events`` -
know where each call is. ``fallback`` and ``ended`` are terminal.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from enum import StrEnum
from typing import Any

from telephony.calls.errors import IllegalCallTransition


class CallState(StrEnum):
    arrived = "arrived"  # StasisStart seen; the caller hears ringback
    registered = "registered"  # the contact (and its case) exists
    answered = "answered"
    greeting = "greeting"  # the hotline's greeting is playing
    queued = "queued"  # in the holding bridge, waiting for a call taker
    ringing_seat = "ringing_seat"  # a call taker took it; their phone rings
    talking = "talking"  # caller and call taker bridged
    on_hold = "on_hold"  # caller back in the holding bridge; the seat stays up
    transferring = "transferring"  # attended transfer: the seat consults the unit
    transferred = "transferred"  # caller connected (or being connected) to the unit
    conference = "conference"  # 三方通话: caller + call taker + unit
    dialing_out = "dialing_out"  # call-back: the seat answered, the citizen rings
    fallback = "fallback"  # handed back to the dialplan's hunt group
    ended = "ended"  # the caller is gone


class CallEvent(StrEnum):
    arrived = "arrived"  # the call record was created (not a transition)
    adopted = "adopted"  # a (re)started process took over the call (not a transition)
    peer_answered = "peer_answered"  # the unit picked up (not a transition)
    contact_created = "contact_created"
    answered = "answered"
    greeting_started = "greeting_started"
    greeting_finished = "greeting_finished"
    handed_to_fallback = "handed_to_fallback"
    take = "take"
    seat_answered = "seat_answered"
    seat_failed = "seat_failed"
    seat_left = "seat_left"  # the seat's phone dropped while the caller was on hold
    held = "held"
    resumed = "resumed"
    transfer_blind = "transfer_blind"
    transfer_started = "transfer_started"
    transfer_completed = "transfer_completed"
    transfer_cancelled = "transfer_cancelled"
    transfer_failed = "transfer_failed"
    conference_started = "conference_started"
    peer_left = "peer_left"
    callback_seat_answered = "callback_seat_answered"
    citizen_answered = "citizen_answered"
    hung_up = "hung_up"
    # 班长席 (not transitions): a supervisor's phone joins or leaves the call.
    supervise_started = "supervise_started"
    supervise_ended = "supervise_ended"


S, E = CallState, CallEvent
TERMINAL = frozenset({S.fallback, S.ended})
_LIVE = frozenset(CallState) - TERMINAL
# The caller is waiting for a person: a hang-up here is a missed call (漏接).
WAITING = frozenset({S.registered, S.answered, S.greeting, S.queued, S.ringing_seat})
# A call taker is on the line with (or for) the caller.
WITH_SEAT = frozenset({S.talking, S.on_hold, S.transferring, S.conference})
_WORKING = frozenset({S.talking, S.on_hold})

TRANSITIONS: dict[tuple[CallState, CallEvent], CallState] = {
    (S.arrived, E.contact_created): S.registered,
    (S.registered, E.answered): S.answered,
    (S.answered, E.greeting_started): S.greeting,
    (S.greeting, E.greeting_finished): S.queued,
    # A greeting that could not be played at all still leaves the caller queued.
    (S.answered, E.greeting_finished): S.queued,
    (S.queued, E.take): S.ringing_seat,
    # A free seat rings while the greeting still plays (issue 16): a 110 caller is not
    # kept from a person for the greeting's ~10 s.
    (S.greeting, E.take): S.ringing_seat,
    (S.ringing_seat, E.seat_answered): S.talking,
    (S.ringing_seat, E.seat_failed): S.queued,  # back in line, nobody dropped
    (S.talking, E.held): S.on_hold,
    (S.on_hold, E.resumed): S.talking,
    # The call taker's phone dropped while the caller waited on hold: back in line,
    # never hung up on.
    (S.on_hold, E.seat_left): S.queued,
    **{(s, E.transfer_blind): S.transferred for s in _WORKING},
    **{(s, E.transfer_started): S.transferring for s in _WORKING},
    **{(s, E.conference_started): S.conference for s in _WORKING},
    (S.transferring, E.transfer_completed): S.transferred,
    # The call taker leaves a three-way call: citizen and unit go on talking.
    (S.conference, E.transfer_completed): S.transferred,
    (S.transferring, E.transfer_cancelled): S.talking,
    (S.transferred, E.transfer_failed): S.queued,  # the unit never answered
    (S.conference, E.peer_left): S.talking,
    (S.ringing_seat, E.callback_seat_answered): S.dialing_out,
    (S.dialing_out, E.citizen_answered): S.talking,
    **{(s, E.handed_to_fallback): S.fallback for s in _LIVE},
    **{(s, E.hung_up): S.ended for s in _LIVE},
}


@dataclass(frozen=True, slots=True)
class Call:
    channel_id: str  # the citizen's channel: the call's identity in the API and Redis
    hotline: str
    caller: str  # the citizen's number
    state: CallState
    arrived_at: float  # epoch seconds; the queue's waiting time starts here
    updated_at: float
    contact_id: int | None = None
    case_number: str | None = None
    bridge_id: str | None = None  # the bridge the caller is in now
    lat: float | None = None
    lon: float | None = None
    event: str = CallEvent.arrived.value  # what caused the last persisted change
    direction: str = "in"  # "in": a hotline call; "out": a call-back we placed
    seat: str | None = None  # seat01 …
    seat_channel: str | None = None  # the seat phone's leg
    peer: str | None = None  # transfer / conference target (police, 12345678 …)
    peer_channel: str | None = None
    mode: str | None = None  # transfer mode: blind | attended
    actor: str | None = None  # who asked for the last change (username or system)
    supervisor: str | None = None  # 班长席: the supervisor's seat, while supervising
    super_channel: str | None = None  # the supervisor's phone leg
    super_mode: str | None = None  # listen | whisper | barge

    @property
    def live(self) -> bool:
        return self.state not in TERMINAL

    @property
    def talk_bridge(self) -> str:
        """The mixing bridge of this call's conversation (deterministic, so a restarted
        process finds it again)."""
        return f"call-{self.channel_id}"

    def to_record(self) -> dict[str, str]:
        """Flat strings for a Redis hash; None fields are left out."""
        out: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                out[f.name] = str(value)
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
            event=rec.get("event") or CallEvent.arrived.value,
            direction=rec.get("direction") or "in",
            seat=opt("seat", str),
            seat_channel=opt("seat_channel", str),
            peer=opt("peer", str),
            peer_channel=opt("peer_channel", str),
            mode=opt("mode", str),
            actor=opt("actor", str),
            supervisor=opt("supervisor", str),
            super_channel=opt("super_channel", str),
            super_mode=opt("super_mode", str),
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


def dial_out(
    channel_id: str,
    hotline: str,
    caller: str,
    at: float,
    *,
    contact_id: int,
    case_number: str,
    seat: str,
    seat_channel: str,
    actor: str,
) -> Call:
    """A call-back: the seat's phone rings first, then the citizen is dialled."""
    return Call(
        channel_id,
        hotline,
        caller,
        CallState.ringing_seat,
        at,
        at,
        contact_id=contact_id,
        case_number=case_number,
        direction="out",
        seat=seat,
        seat_channel=seat_channel,
        actor=actor,
        event=CallEvent.take.value,
    )


def can(call: Call, event: CallEvent) -> bool:
    return (call.state, event) in TRANSITIONS


def advance(call: Call, event: CallEvent, at: float, **changes: Any) -> Call:
    """The call after ``event``; raises IllegalCallTransition for an event the current
    state does not accept (e.g. holding a call nobody has taken yet)."""
    target = TRANSITIONS.get((call.state, event))
    if target is None:
        raise IllegalCallTransition(
            f"{event.value} is not allowed in state {call.state.value}",
            details={"channel_id": call.channel_id, "state": call.state, "event": event},
        )
    return replace(call, state=target, updated_at=at, event=event.value, **changes)


def note(call: Call, event: CallEvent, at: float, **changes: Any) -> Call:
    """A change that is not a transition (adoption, a leg's channel id): same state,
    a new event for the record and the event stream."""
    return replace(call, updated_at=at, event=event.value, **changes)
