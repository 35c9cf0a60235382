"""The call state machine (pure) and the geolocation parser."""

from __future__ import annotations

import pytest

from telephony.errors import IllegalCallTransition
from telephony.geoloc import CallerLocation, LocationReference, parse_location, parse_pairs
from telephony.state import Call, CallEvent, CallState, advance, arrive


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
