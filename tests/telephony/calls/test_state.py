"""The call state machine (pure) and the geolocation parser."""

from __future__ import annotations

import pytest

from telephony.calls.errors import IllegalCallTransition
from telephony.calls.geoloc import CallerLocation, LocationReference, parse_location, parse_pairs
from telephony.calls.state import Call, CallEvent, CallState, advance, arrive


def test_a_call_walks_from_arrival_to_the_queue() -> None:
    call = arrive("1.1", "119", "13800000000", at=100.0)
    call = advance(call, CallEvent.contact_created, 101.0, contact_id=7, case_number="QX-1")
    call = advance(call, CallEvent.answered, 102.0)
    call = advance(call, CallEvent.greeting_started, 102.5)
    call = advance(call, CallEvent.greeting_finished, 110.0, bridge_id="liandong-holding")
    assert call.state is CallState.queued
    assert (call.arrived_at, call.updated_at, call.contact_id) == (100.0, 110.0, 7)
    assert call.live


@pytest.mark.parametrize("state", [s for s in CallState if s not in ("ended", "fallback")])
def test_a_hang_up_ends_the_call_from_every_live_state(state: CallState) -> None:
    call = Call("1.1", "110", "x", state, 1.0, 1.0)
    assert advance(call, CallEvent.hung_up, 2.0).state is CallState.ended


def test_a_caller_on_hold_whose_seat_drops_goes_back_to_the_queue() -> None:
    held = Call("1.1", "110", "x", CallState.on_hold, 1.0, 1.0, seat="seat01")
    back = advance(held, CallEvent.seat_left, 2.0, seat=None)
    assert (back.state, back.seat) == (CallState.queued, None)
    talking = Call("1.1", "110", "x", CallState.talking, 1.0, 1.0, seat="seat01")
    with pytest.raises(IllegalCallTransition):
        advance(talking, CallEvent.seat_left, 2.0)  # mid-conversation it is a hang-up


def test_events_that_do_not_fit_the_state_are_refused() -> None:
    call = arrive("1.1", "110", "x", at=1.0)
    with pytest.raises(IllegalCallTransition):
        advance(call, CallEvent.answered, 2.0)  # not before the contact exists
    ended = advance(call, CallEvent.hung_up, 2.0)
    with pytest.raises(IllegalCallTransition):
        advance(ended, CallEvent.hung_up, 3.0)


def test_the_redis_record_round_trips() -> None:
    call = advance(arrive("9.9", "12345", "anonymous", at=5.0, lat=27.0, lon=106.1),
                   CallEvent.contact_created, 6.0, contact_id=3, case_number="QX-3")  # fmt: skip
    record = call.to_record()
    assert "bridge_id" not in record
    assert Call.from_record(record) == call


def test_pairs_with_quoted_commas() -> None:
    assert parse_pairs('shape="Point",crs="2d",pos="27.03 106.02",note="a,b"') == {
        "shape": "Point",
        "crs": "2d",
        "pos": "27.03 106.02",
        "note": "a,b",
    }


def test_a_gml_point_is_lat_then_lon() -> None:
    loc = parse_location("GML", 'shape="Point",crs="2d",pos="27.03 106.02"', "GPS")
    assert loc == CallerLocation(27.03, 106.02, None, "GPS")


def test_a_circle_gives_its_radius_as_accuracy() -> None:
    loc = parse_location("GML", 'shape="Circle",crs="2d",pos="27 106",radius="35"', None)
    assert loc == CallerLocation(27.0, 106.0, 35.0, None)


def test_a_polygon_gives_its_centre() -> None:
    info = 'shape="Polygon",crs="2d",posList="27 106 27 106.2 27.2 106.2 27.2 106"'
    loc = parse_location("GML", info, None)
    assert isinstance(loc, CallerLocation)
    assert (loc.lat, loc.lon) == pytest.approx((27.1, 106.1))


@pytest.mark.parametrize(
    ("fmt", "info"),
    [
        (None, None),
        ("GML", ""),
        ("GML", 'shape="Point",crs="2d",pos="127 106"'),  # latitude out of range
        ("GML", 'shape="Point",crs="2d",pos="north"'),
        ("civicAddress", 'country="CN",A1="贵州省"'),  # no coordinates to place
    ],
)
def test_unusable_location_info_gives_no_location(fmt: str | None, info: str | None) -> None:
    assert parse_location(fmt, info) is None


def test_a_location_by_reference_is_kept_as_its_uri() -> None:
    loc = parse_location("URI", 'URI="https://lis.example/loc/1"')
    assert loc == LocationReference("https://lis.example/loc/1")


def _queued() -> Call:
    return Call("1.1", "110", "x", CallState.queued, 1.0, 1.0, contact_id=1, case_number="QX-1")


def test_a_call_taker_takes_holds_resumes_and_transfers() -> None:
    call = advance(_queued(), CallEvent.take, 2.0, seat="seat01", seat_channel="1.1-s-a")
    assert (call.state, call.event, call.seat) == (CallState.ringing_seat, "take", "seat01")
    call = advance(call, CallEvent.seat_answered, 3.0)
    call = advance(call, CallEvent.held, 4.0)
    assert call.state is CallState.on_hold
    call = advance(call, CallEvent.resumed, 5.0)
    call = advance(call, CallEvent.transfer_started, 6.0, peer="police", mode="attended")
    assert call.state is CallState.transferring
    call = advance(call, CallEvent.transfer_cancelled, 7.0)
    assert call.state is CallState.talking
    call = advance(call, CallEvent.transfer_blind, 8.0, peer="fire", mode="blind")
    assert (call.state, call.peer) == (CallState.transferred, "fire")
    call = advance(call, CallEvent.transfer_failed, 9.0)
    assert call.state is CallState.queued  # the unit never answered: back in line


def test_a_seat_that_does_not_answer_puts_the_caller_back_in_the_queue() -> None:
    call = advance(_queued(), CallEvent.take, 2.0, seat="seat01")
    assert advance(call, CallEvent.seat_failed, 3.0).state is CallState.queued


def test_a_seat_may_take_the_call_while_the_greeting_plays() -> None:
    greeting = Call("1.1", "110", "x", CallState.greeting, 1.0, 1.0)
    ringing = advance(greeting, CallEvent.take, 2.0, seat="seat01")
    assert (ringing.state, ringing.seat) == (CallState.ringing_seat, "seat01")
    assert advance(ringing, CallEvent.seat_answered, 3.0).state is CallState.talking


@pytest.mark.parametrize(
    ("state", "event"),
    [
        (CallState.queued, CallEvent.held),  # nobody to hold it for
        (CallState.ringing_seat, CallEvent.take),  # one seat at a time, never two
        (CallState.on_hold, CallEvent.held),
        (CallState.talking, CallEvent.transfer_completed),  # no transfer under way
        (CallState.conference, CallEvent.take),
    ],
)
def test_call_taker_commands_out_of_turn_are_refused(state: CallState, event: CallEvent) -> None:
    call = Call("1.1", "110", "x", state, 1.0, 1.0)
    with pytest.raises(IllegalCallTransition):
        advance(call, event, 2.0)


def test_the_three_way_call_and_call_back_paths() -> None:
    talking = Call("1.1", "110", "x", CallState.talking, 1.0, 1.0)
    conf = advance(talking, CallEvent.conference_started, 2.0, peer="police")
    assert advance(conf, CallEvent.peer_left, 3.0).state is CallState.talking
    assert advance(conf, CallEvent.transfer_completed, 3.0).state is CallState.transferred
    out = Call("cb-1", "12345", "138", CallState.ringing_seat, 1.0, 1.0, direction="out")
    out = advance(out, CallEvent.callback_seat_answered, 2.0)
    assert advance(out, CallEvent.citizen_answered, 3.0).state is CallState.talking


def test_a_full_record_round_trips_with_the_phase_2_fields() -> None:
    call = Call("1.1", "110", "x", CallState.transferring, 1.0, 2.0, contact_id=3,
                case_number="QX-3", event="transfer_started", seat="seat02",
                seat_channel="1.1-s-ab", peer="police", peer_channel="1.1-p-cd",
                mode="attended", actor="calltaker")  # fmt: skip
    assert Call.from_record(call.to_record()) == call
