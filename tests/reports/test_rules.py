"""The assessment arithmetic at its edges: ranks with ties, the composite score, and
R10's rule — below the city average AND in the bottom ten."""

from __future__ import annotations

import pytest

from core.errors import InvalidInput
from core.worktime.periods import parse_period
from reports.figures import UnitFigures, assess, bottom_flags, competition_ranks, score


def test_ranks_share_places_on_ties_and_skip_after() -> None:
    assert competition_ranks([0.9, 0.8, 0.8, 0.7, None]) == [1, 2, 2, 4, None]


def test_score_uses_the_rates_a_unit_has() -> None:
    assert score(1.0, 0.5, None, (0.3, 0.4, 0.3)) == pytest.approx((0.3 + 0.2) / 0.7)
    assert score(None, None, None, (0.3, 0.4, 0.3)) is None
    assert score(0.5, 0.5, 0.5, (0.3, 0.4, 0.3)) == pytest.approx(0.5)


def test_exactly_at_the_average_is_not_flagged() -> None:
    assert bottom_flags([0.5, 0.6, 0.7], 0.5, 10) == [False, False, False]
    assert bottom_flags([0.4999, 0.6, 0.7], 0.5, 10) == [True, False, False]


def test_below_average_but_eleventh_from_the_bottom_is_not_flagged() -> None:
    values = [i / 100 for i in range(50, 62)]  # 12 townships, 0.50 … 0.61
    flags = bottom_flags(values, 0.99, 10)
    assert flags == [True] * 10 + [False] * 2


def test_ties_at_the_tenth_place_are_all_in() -> None:
    values = [0.1 * i for i in range(1, 10)] + [0.95, 0.95, 0.99]  # 9 low, two tied 10th
    flags = bottom_flags(values, 1.0, 10)
    assert flags == [True] * 11 + [False]


def test_fewer_than_ten_townships_are_all_in_the_bottom_ten() -> None:
    assert bottom_flags([0.2, 0.9, 0.5], 0.6, 10) == [True, False, True]


def test_without_a_figure_or_an_average_nobody_is_flagged() -> None:
    assert bottom_flags([None, 0.1], 0.5, 10) == [False, True]
    assert bottom_flags([0.1, 0.2], None, 10) == [False, False]


def _town(uid: int, good: int, rated: int) -> UnitFigures:
    return UnitFigures(uid, f"T{uid}", "township", volume=10, ack_on_time=10, done_on_time=10,
                       rated=rated, satisfied=good)  # fmt: skip


def test_city_average_pools_every_townships_ratings() -> None:
    # 30 townships: 29 at 9/10, one at 1/10 → pooled 262/300 = 0.8733.
    towns = [_town(i, 9, 10) for i in range(29)] + [_town(99, 1, 10)]
    dept = UnitFigures(500, "D", "department", volume=5, ack_on_time=5, done_on_time=0)
    average = assess([*towns, dept], (0.3, 0.4, 0.3))
    assert average == pytest.approx(262 / 300)
    flagged = [t.unit_id for t in towns if t.flagged]
    assert flagged == [99]  # the 29 tied at 0.9 are above the average
    assert dept.rank == 1 and dept.score == pytest.approx(0.3 / 0.7)
    assert towns[-1].rank == 30 and towns[0].rank == 1


def test_periods_are_local_months_quarters_and_years() -> None:
    oct_ = parse_period("monthly", "2026-10")
    assert oct_.start.isoformat() == "2026-09-30T16:00:00+00:00"
    assert oct_.end.isoformat() == "2026-10-31T16:00:00+00:00"
    q4 = parse_period("quarterly", "2026-Q4")
    assert q4.months == ("2026-10", "2026-11", "2026-12")
    assert q4.end.isoformat() == "2026-12-31T16:00:00+00:00"
    assert parse_period("annual", "2026").months[0] == "2026-01"
    for kind, bad in (("monthly", "2026-13"), ("quarterly", "2026-Q5"), ("annual", "26")):
        with pytest.raises(InvalidInput):
            parse_period(kind, bad)
    with pytest.raises(InvalidInput):
        parse_period("weekly", "2026-10")
