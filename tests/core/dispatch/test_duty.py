"""Duty tiers and rosters (R8): who is on duty now, and the fallback when nobody is."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.dispatch.duty import DutyUnit, How, Staff, assign, duty_staff, on_duty, window_open
from core.worktime.calendar import default_calendar

CAL = default_calendar()
CST = CAL.tz

POLICE = DutyUnit(1, "department", tier=1, duty_hours=24)
MARKET = DutyUnit(5, "department", tier=2, duty_hours=12)
LAND = DutyUnit(17, "department", tier=3, duty_hours=8)
TOWNSHIP = DutyUnit(40, "township", tier=2, duty_hours=24)
GRID = DutyUnit(900, "grid")

OFFICERS = [Staff(11, "duty_officer", "驻中心值班科级干部"), Staff(12, "duty_officer"),
            Staff(13, "duty_officer"), Staff(10, "unit_head", "主要负责人")]  # fmt: skip
LAND_STAFF = [Staff(171, "duty_officer"), Staff(170, "unit_head")]
TOWN_STAFF = [Staff(401, "unit_staff", "综治中心副主任"), Staff(402, "unit_staff", "值班员"),
              Staff(403, "unit_staff", "综治中心值班员"), Staff(400, "unit_head")]  # fmt: skip


def at(m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, m, d, hh, mm, tzinfo=CST)


def test_a_tier_one_unit_always_has_its_stationed_cadre_on_duty_even_at_night_on_holidays() -> None:
    for when in (at(2, 17, 3), at(11, 28, 23, 59), at(11, 25, 10)):
        person = on_duty(POLICE, OFFICERS, when, CAL)
        assert person is not None and person.role == "duty_officer"


def test_twelve_hour_units_are_on_duty_from_eight_to_eight_every_day() -> None:
    assert window_open(MARKET, at(11, 28, 8), CAL)  # a Saturday
    assert window_open(MARKET, at(11, 28, 19, 59), CAL)
    assert not window_open(MARKET, at(11, 28, 20), CAL)
    assert not window_open(MARKET, at(11, 29, 7, 59), CAL)


def test_eight_hour_units_keep_office_hours_on_working_days_only() -> None:
    assert window_open(LAND, at(11, 25, 10), CAL)  # Wednesday
    assert not window_open(LAND, at(11, 25, 18), CAL)
    assert not window_open(LAND, at(11, 28, 10), CAL)  # Saturday
    assert window_open(LAND, at(2, 28, 10), CAL)  # Saturday make-up working day
    assert not window_open(LAND, at(10, 5, 10), CAL)  # 国庆


def test_the_roster_turns_at_the_eight_oclock_handover() -> None:
    night = on_duty(POLICE, OFFICERS, at(11, 26, 7, 59), CAL)
    evening_before = on_duty(POLICE, OFFICERS, at(11, 25, 22), CAL)
    morning = on_duty(POLICE, OFFICERS, at(11, 26, 8), CAL)
    assert night == evening_before
    assert morning != night


@given(st.integers(min_value=0, max_value=3 * 365 * 24))
def test_every_duty_officer_takes_turns_and_nobody_else_does(hours: int) -> None:
    when = at(1, 1, 0) + timedelta(hours=hours)
    person = on_duty(POLICE, OFFICERS, when, CAL)
    assert person is not None and person.role == "duty_officer"
    three_days = {on_duty(POLICE, OFFICERS, when + timedelta(days=i), CAL) for i in range(3)}
    assert len(three_days) == 3


def test_township_rosters_are_the_staff_titled_duty_and_grids_are_their_grid_worker() -> None:
    assert [s.person_id for s in duty_staff(TOWNSHIP, TOWN_STAFF)] == [402, 403]
    worker = Staff(901, "grid_worker", "网格员（驻村干部）")
    assistants = [Staff(902, "grid_assistant")]
    assert on_duty(GRID, [worker, *assistants], at(11, 29, 3), CAL) == worker


def test_an_instruction_goes_to_whoever_is_on_duty_now() -> None:
    a = assign(POLICE, OFFICERS, at(11, 25, 3), CAL, urgent=True)
    assert a.unit_id == POLICE.id and a.how is How.stationed and a.person_id in {11, 12, 13}
    g = assign(GRID, [Staff(901, "grid_worker")], at(11, 25, 3), CAL, urgent=False)
    assert (g.person_id, g.how) == (901, How.grid_worker)


def test_an_urgent_instruction_at_night_goes_to_the_catalogues_fallback_unit() -> None:
    a = assign(
        LAND,
        LAND_STAFF,
        at(11, 25, 23),
        CAL,
        urgent=True,
        heads=[Staff(170, "unit_head")],
        fallback=POLICE,
        fallback_staff=OFFICERS,
    )
    assert a.lead_replaced and a.unit_id == POLICE.id and a.how is How.fallback_unit


def test_a_non_urgent_instruction_at_night_stays_with_its_unit_and_its_head_is_told() -> None:
    a = assign(
        LAND,
        LAND_STAFF,
        at(11, 25, 23),
        CAL,
        urgent=False,
        heads=[Staff(170, "unit_head")],
        fallback=POLICE,
        fallback_staff=OFFICERS,
    )
    assert (a.unit_id, a.person_id, a.how, a.lead_replaced) == (LAND.id, 170, How.unit_head, False)


@pytest.mark.parametrize("urgent", [True, False])
def test_with_nobody_at_all_the_instruction_still_goes_to_the_unit(urgent: bool) -> None:
    a = assign(LAND, [], at(11, 28, 3), CAL, urgent=urgent)
    assert (a.unit_id, a.person_id, a.how) == (LAND.id, None, How.nobody)
