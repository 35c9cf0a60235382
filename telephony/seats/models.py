"""A seat's presence as an explicit state machine (pure: no I/O, no clock of its own).

::

    signed_out ──sign_in──▶ not_ready ⇄ ready          (set by the call taker)
                               ▲  ▲        │ offer / take
                               │  │ rona   ▼
                               │  └──── on_call ──released──▶ wrap_up ──wrap_up_ended──▶ ready
                               │           │ cancelled (caller gone before the answer) ▲
                               │           └───────────────────────────────▶ ready ───┘
                               └─ set_not_ready (from ready / wrap_up)
    sign_out: from every state but on_call (a call taker on a call finishes it first)

``TRANSITIONS`` maps an action to the states it may leave and the state it reaches,
as ``core.cases.lifecycle`` does for cases. ``not_ready`` carries a reason (休息, 培训,
用餐, 未接 after a ring-no-answer). The state of every seat lives in Redis
(``telephony.seats.store``); each change is also a row of ``seat_events`` and an entry on
``{prefix}:tel:events``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from enum import StrEnum
from typing import Any

from telephony.seats.errors import IllegalSeatTransition


class SeatState(StrEnum):
    signed_out = "signed_out"  # 签出
    ready = "ready"  # 就绪: may be offered a call
    on_call = "on_call"  # 通话中 (its phone rings or it talks)
    wrap_up = "wrap_up"  # 话后处理: a few seconds to finish the case
    not_ready = "not_ready"  # 示忙, with a reason


class SeatAction(StrEnum):
    sign_in = "sign_in"
    set_ready = "set_ready"
    set_not_ready = "set_not_ready"
    sign_out = "sign_out"
    offer = "offer"  # the distributor rings the seat (or a call taker took a call there)
    rona = "rona"  # ring, no answer: 未接
    cancelled = "cancelled"  # the caller left (or the take failed) before the seat answered
    released = "released"  # the seat's part of the call is over: wrap-up
    wrap_up_ended = "wrap_up_ended"


S, A = SeatState, SeatAction
STATE_LABELS = {
    S.signed_out: "签出",
    S.ready: "就绪",
    S.on_call: "通话中",
    S.wrap_up: "话后处理",
    S.not_ready: "示忙",
}
RONA_REASON = "未接"

_SIGNED_IN = frozenset({S.ready, S.not_ready, S.wrap_up})
TRANSITIONS: Mapping[SeatAction, tuple[frozenset[SeatState], SeatState]] = {
    A.sign_in: (frozenset({S.signed_out}), S.not_ready),
    A.set_ready: (frozenset({S.ready, S.not_ready, S.wrap_up}), S.ready),
    A.set_not_ready: (frozenset({S.ready, S.not_ready, S.wrap_up}), S.not_ready),
    A.sign_out: (_SIGNED_IN | {S.signed_out}, S.signed_out),
    A.offer: (frozenset({S.ready}), S.on_call),
    A.rona: (frozenset({S.on_call}), S.not_ready),
    A.cancelled: (frozenset({S.on_call}), S.ready),
    A.released: (frozenset({S.on_call}), S.wrap_up),
    A.wrap_up_ended: (frozenset({S.wrap_up}), S.ready),
}


@dataclass(frozen=True, slots=True)
class Seat:
    name: str  # seat01 … (the PJSIP endpoint)
    state: SeatState = S.signed_out
    since: float = 0.0  # epoch seconds of the last change
    user: str = ""  # username of the call taker signed in here
    user_id: int = 0
    reason: str = ""  # not_ready's reason
    idle_since: float = 0.0  # the last time the seat became free: longest idle first
    call: str = ""  # the call it is offered / talking to
    auto: bool = False  # the call was offered by the distributor (a RONA counts)
    answered: bool = False  # the seat answered that call
    until: float = 0.0  # wrap_up ends at
    hotlines: tuple[str, ...] = ()  # skills: the hotlines it takes
    level: int = 1

    @property
    def signed_in(self) -> bool:
        return self.state is not S.signed_out

    def takes(self, hotline: str) -> bool:
        return hotline in self.hotlines

    def to_record(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, tuple):
                out[f.name] = ",".join(value)
            elif isinstance(value, bool):
                out[f.name] = "1" if value else "0"
            else:
                out[f.name] = str(value)
        return out

    @classmethod
    def from_record(cls, name: str, rec: Mapping[str, str]) -> Seat:
        if not rec:
            return cls(name)
        return cls(
            name=name,
            state=SeatState(rec.get("state") or S.signed_out),
            since=float(rec.get("since") or 0),
            user=rec.get("user", ""),
            user_id=int(rec.get("user_id") or 0),
            reason=rec.get("reason", ""),
            idle_since=float(rec.get("idle_since") or 0),
            call=rec.get("call", ""),
            auto=rec.get("auto") == "1",
            answered=rec.get("answered") == "1",
            until=float(rec.get("until") or 0),
            hotlines=tuple(h for h in rec.get("hotlines", "").split(",") if h),
            level=int(rec.get("level") or 1),
        )


def can(seat: Seat, action: SeatAction) -> bool:
    return seat.state in TRANSITIONS[action][0]


def advance(seat: Seat, action: SeatAction, at: float, **changes: Any) -> Seat:
    """The seat after ``action``; :class:`IllegalSeatTransition` when its state does not
    allow it. Leaving a call clears the call's fields; becoming free starts the idle
    clock (the distributor rings the longest idle seat first)."""
    sources, target = TRANSITIONS[action]
    if seat.state not in sources:
        allowed = sorted(a.value for a, (src, _) in TRANSITIONS.items() if seat.state in src)
        raise IllegalSeatTransition(
            f"坐席处于「{STATE_LABELS[seat.state]}」，不能 {action.value}",
            details={"seat": seat.name, "state": seat.state.value, "action": action.value,
                     "allowed": allowed},
        )  # fmt: skip
    base: dict[str, Any] = {"state": target, "since": at}
    if target is not S.on_call:
        base.update(call="", auto=False, answered=False)
    if target is not S.not_ready:
        base["reason"] = ""
    if target is not S.wrap_up:
        base["until"] = 0.0
    if target is S.ready and seat.state is not S.ready:
        base["idle_since"] = at
    if target is S.signed_out:
        base.update(user="", user_id=0, hotlines=(), level=1)
    base.update(changes)
    return replace(seat, **base)
