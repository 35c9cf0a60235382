"""The seat state machine and the distributor's choices, pure (events in, state out)."""

from __future__ import annotations

import pytest

from telephony.calls.state import Call, CallState
from telephony.seats.distributor import order_calls, pick_seat
from telephony.seats.errors import IllegalSeatTransition
from telephony.seats.models import Seat, SeatAction, SeatState, advance, can

A, S = SeatAction, SeatState


def signed_in(name: str = "seat01", *, idle: float = 0.0, hotlines: str = "110") -> Seat:
    seat = advance(Seat(name), A.sign_in, 1.0, user="u1", user_id=7, hotlines=(hotlines,))
    return advance(seat, A.set_ready, idle)


def test_a_call_taker_signs_in_not_ready_and_becomes_ready() -> None:
    seat = advance(Seat("seat01"), A.sign_in, 10.0, user="calltaker", user_id=2, hotlines=("110",))
    assert (seat.state, seat.user) == (S.not_ready, "calltaker")
    ready = advance(seat, A.set_ready, 12.0)
    assert (ready.state, ready.idle_since, ready.since) == (S.ready, 12.0, 12.0)


def test_an_offer_rings_only_a_ready_seat() -> None:
    seat = signed_in()
    busy = advance(seat, A.offer, 20.0, call="c1", auto=True)
    assert (busy.state, busy.call, busy.auto) == (S.on_call, "c1", True)
    with pytest.raises(IllegalSeatTransition) as exc:
        advance(busy, A.offer, 21.0, call="c2")
    assert exc.value.error_id == "illegal-seat-transition"
    assert not can(advance(seat, A.set_not_ready, 22.0, reason="休息"), A.offer)


def test_ring_no_answer_leaves_the_seat_not_ready_with_the_reason_unanswered() -> None:
    busy = advance(signed_in(), A.offer, 20.0, call="c1", auto=True)
    after = advance(busy, A.rona, 28.0, reason="未接")
    assert (after.state, after.reason, after.call, after.auto) == (S.not_ready, "未接", "", False)


def test_after_a_call_the_seat_wraps_up_then_is_ready_and_idle_from_then() -> None:
    busy = advance(signed_in(idle=5.0), A.offer, 20.0, call="c1")
    wrap = advance(busy, A.released, 80.0, until=95.0)
    assert (wrap.state, wrap.until, wrap.call) == (S.wrap_up, 95.0, "")
    ready = advance(wrap, A.wrap_up_ended, 95.0)
    assert (ready.state, ready.idle_since, ready.until) == (S.ready, 95.0, 0.0)


def test_a_seat_on_a_call_cannot_sign_out_or_go_not_ready() -> None:
    busy = advance(signed_in(), A.offer, 20.0, call="c1")
    for action in (A.sign_out, A.set_not_ready, A.set_ready):
        assert not can(busy, action)
    out = advance(signed_in(), A.sign_out, 30.0)
    assert (out.state, out.user, out.hotlines) == (S.signed_out, "", ())


def test_a_seat_survives_its_redis_record() -> None:
    seat = advance(signed_in(hotlines="12345"), A.offer, 20.0, call="c1", auto=True)
    assert Seat.from_record("seat01", seat.to_record()) == seat


def call(cid: str, arrived: float, hotline: str = "110") -> Call:
    return Call(cid, hotline, "13800000000", CallState.queued, arrived, arrived)


def test_emergencies_ring_first_then_priority_then_the_longest_waiting() -> None:
    calls = [call("old", 1.0), call("new-emergency", 9.0), call("p2", 5.0), call("mid", 3.0)]
    ranks = {"new-emergency": (True, 1), "p2": (False, 2), "old": (False, 3)}
    assert [c.channel_id for c in order_calls(calls, ranks)] == [
        "new-emergency",
        "p2",
        "old",
        "mid",
    ]


def test_the_longest_idle_seat_with_the_skill_rings() -> None:
    seats = [
        signed_in("seat01", idle=50.0),
        signed_in("seat02", idle=10.0, hotlines="12345"),
        signed_in("seat03", idle=30.0),
    ]
    chosen = pick_seat(call("c", 1.0, "110"), seats)
    assert chosen is not None and chosen.name == "seat03"
    chosen = pick_seat(call("c", 1.0, "12345"), seats)
    assert chosen is not None and chosen.name == "seat02"
    assert pick_seat(call("c", 1.0, "119"), seats) is None


def test_a_call_waiting_past_the_overflow_time_may_ring_a_seat_without_the_skill() -> None:
    seats = [signed_in("seat01", idle=50.0), signed_in("seat02", idle=10.0)]  # both 110
    waiting = call("c", 100.0, "12345")
    assert pick_seat(waiting, seats, now=150.0, overflow_s=60) is None  # 50 s: not yet
    chosen = pick_seat(waiting, seats, now=160.0, overflow_s=60)
    assert chosen is not None and chosen.name == "seat02"
    assert pick_seat(waiting, seats, now=1000.0, overflow_s=0) is None  # overflow off
    skilled = [*seats, signed_in("seat03", idle=90.0, hotlines="12345")]
    chosen = pick_seat(waiting, skilled, now=1000.0, overflow_s=60)
    assert chosen is not None and chosen.name == "seat03"  # a skilled seat still first
