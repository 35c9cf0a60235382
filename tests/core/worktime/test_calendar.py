"""The working-day calendar: holiday data and deadline arithmetic (property tests)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.worktime.calendar import Limit, Unit, WorkCalendar, default_calendar

CAL = default_calendar()
CST = CAL.tz

instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 11, 30), timezones=st.just(UTC)
)
spans = st.integers(min_value=0, max_value=30 * 7 * 3600).map(lambda s: timedelta(seconds=s))


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=CST)


# -- the data ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 1, 1), False),  # 元旦, a Wednesday
        (date(2025, 1, 26), True),  # Sunday make-up day before 春节
        (date(2025, 2, 4), False),  # last day of 春节 2025
        (date(2025, 2, 8), True),  # Saturday make-up day after 春节
        (date(2025, 10, 8), False),  # 国庆+中秋 merged to 8 days
        (date(2025, 10, 11), True),
        (date(2026, 1, 4), True),  # Sunday make-up day after 元旦 2026
        (date(2026, 2, 23), False),  # 春节 2026 runs to Monday 23 February
        (date(2026, 2, 28), True),
        (date(2026, 5, 9), True),
        (date(2026, 9, 25), False),  # 中秋 2026, a Friday
        (date(2026, 10, 10), True),
        (date(2026, 11, 25), True),  # an ordinary Wednesday
        (date(2026, 11, 28), False),  # an ordinary Saturday
    ],
)
def test_the_state_council_notices_for_2025_and_2026_are_the_data(day: date, working: bool) -> None:
    assert CAL.is_working_day(day) is working


def test_make_up_days_are_weekends_and_never_inside_a_holiday() -> None:
    assert CAL.workdays
    for d in CAL.workdays:
        assert d.weekday() >= 5, d
        assert CAL.holiday(d) is None


def test_each_year_of_data_has_the_seven_holidays_and_2027_is_marked_provisional() -> None:
    assert {2025, 2026, 2027} <= CAL.years
    assert CAL.provisional_years == {2027}
    for year in (2025, 2026, 2027):
        names = {n for d, n in CAL.holiday_names.items() if d.year == year}
        joined = "".join(names)
        for holiday in ("元旦", "春节", "清明", "劳动", "端午", "中秋", "国庆"):
            assert holiday in joined, (year, holiday)


def test_overlapping_office_hours_and_contradictory_days_are_refused() -> None:
    with pytest.raises(ValueError, match="overlap"):
        WorkCalendar([], [], [(time(9), time(12)), (time(11), time(17))], tz=CST)
    with pytest.raises(ValueError, match="both holiday"):
        CAL.__class__.from_mapping(
            {
                "office_hours": [["09:00", "17:00"]],
                "years": {
                    2025: {
                        "holidays": [{"name": "x", "from": "2025-01-04", "to": "2025-01-05"}],
                        "workdays": ["2025-01-04"],
                    }
                },
            }
        )


# -- limits -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        ("1 minute", Limit(1, Unit.minutes)),
        ("30 minutes", Limit(30, Unit.minutes)),
        ("10 working days", Limit(10, Unit.working_days)),
        ("1 working_day", Limit(1, Unit.working_days)),
        ("2 working_hours", Limit(2, Unit.working_hours)),
        ("24 hours", Limit(24, Unit.hours)),
    ],
)
def test_limits_parse_from_the_catalogue_wording(text: str, limit: Limit) -> None:
    assert Limit.parse(text) == limit
    assert Limit.parse(str(limit)) == limit


@pytest.mark.parametrize("text", ["", "ten days", "5 fortnights", "-1 minutes"])
def test_garbage_limits_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"limit|unit"):
        Limit.parse(text)


def test_a_consultation_on_friday_evening_before_spring_festival_is_due_sunday_make_up_day() -> (
    None
):
    # Friday 24 Jan 2025 18:00; Sunday 26 Jan is a make-up working day.
    due = CAL.deadline(at(2025, 1, 24, 18), Limit.parse("1 working day"))
    assert due == at(2025, 1, 26, 17)


def test_a_complaint_received_on_new_years_eve_counts_ten_working_days_past_the_holidays() -> None:
    due = CAL.deadline(at(2025, 12, 31, 9), Limit.parse("10 working days"))
    # 元旦 2026 (1–3 Jan) then Sunday 4 Jan is a make-up day: 4,5,6,7,8,9,12,13,14,15 Jan.
    assert due == at(2026, 1, 15, 17)


def test_emergency_limits_run_on_the_wall_clock_even_on_a_holiday() -> None:
    start = at(2026, 2, 17, 3)  # 春节, 3 a.m.
    assert CAL.deadline(start, Limit.parse("1 minute")) - start == timedelta(minutes=1)


def test_working_hours_skip_lunch_nights_and_holidays() -> None:
    # 11:00 + 2 working hours: one hour before lunch, one after.
    assert CAL.deadline(at(2026, 11, 25, 11), Limit.parse("2 working_hours")) == at(
        2026, 11, 25, 14
    )
    # Friday 16:30 + 1 working hour: 30 min Friday, 30 min Monday.
    assert CAL.deadline(at(2026, 11, 27, 16, 30), Limit.parse("1 working_hour")) == at(
        2026, 11, 30, 9, 30
    )


def test_reopen_halves_limits_keeping_whole_working_days() -> None:
    assert CAL.scale(Limit.parse("10 working_days"), 0.5) == Limit(5, Unit.working_days)
    assert CAL.scale(Limit.parse("1 working_day"), 0.5) == Limit(210, Unit.working_minutes)
    assert CAL.scale(Limit.parse("1 hours"), 0.5) == Limit(1800, Unit.seconds)
    assert CAL.scale(Limit.parse("3 minutes"), 0.5) == Limit(90, Unit.seconds)


# -- properties -------------------------------------------------------------------------


@given(instants, st.integers(min_value=1, max_value=15))
def test_n_working_days_end_at_close_of_the_nth_working_day_after_the_start_day(
    start: datetime, n: int
) -> None:
    due = CAL.add_working_days(start, n)
    local_due = CAL.local(due)
    assert CAL.is_working_day(local_due.date())
    assert local_due.time() == CAL.office_hours[-1][1]
    first = CAL.local(start).date() + timedelta(days=1)
    days = (local_due.date() - first).days + 1
    counted = sum(CAL.is_working_day(first + timedelta(days=i)) for i in range(days))
    assert counted == n


LIMITS = ["1 working_day", "10 working_days", "4 working_hours", "30 minutes", "2 hours",
          "90 working_minutes"]  # fmt: skip


@given(instants, instants, st.sampled_from(LIMITS))
def test_deadlines_never_precede_their_start_and_never_go_backwards(
    a: datetime, b: datetime, text: str
) -> None:
    limit = Limit.parse(text)
    early, late = min(a, b), max(a, b)
    assert CAL.deadline(early, limit) > early
    assert CAL.deadline(early, limit) <= CAL.deadline(late, limit)


@given(instants, spans)
def test_working_time_between_inverts_adding_working_time(start: datetime, span: timedelta) -> None:
    end = CAL.add_working_time(start, span)
    assert end >= start
    assert CAL.working_time_between(start, end) == span


@given(instants, spans, spans)
def test_adding_working_time_in_two_parts_equals_adding_the_sum(
    start: datetime, a: timedelta, b: timedelta
) -> None:
    assert CAL.add_working_time(CAL.add_working_time(start, a), b) == CAL.add_working_time(
        start, a + b
    )


@given(instants, spans)
def test_positive_working_time_always_ends_inside_office_hours(
    start: datetime, span: timedelta
) -> None:
    if span > timedelta():
        end = CAL.add_working_time(start, span)
        # The end is inside a block or exactly at its close.
        assert CAL.in_office_hours(end - timedelta(microseconds=1))


@settings(max_examples=50)
@given(instants, st.integers(min_value=1, max_value=10))
def test_working_days_are_never_shorter_than_the_same_number_of_calendar_days_minus_one(
    start: datetime, n: int
) -> None:
    due = CAL.add_working_days(start, n)
    assert CAL.local(due).date() - CAL.local(start).date() >= timedelta(days=n)


@given(instants, instants, st.floats(min_value=0, max_value=1), st.booleans())
def test_a_point_along_a_window_stays_inside_it(
    a: datetime, b: datetime, fraction: float, working: bool
) -> None:
    start, end = min(a, b), max(a, b)
    p = CAL.point_at(start, end, fraction, working=working)
    assert start <= p <= end


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        CAL.deadline(datetime(2026, 1, 5, 9), Limit.parse("1 working_day"))
