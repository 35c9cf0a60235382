"""Work-queue ordering: urgent tier first, then aging by waiting time."""

from __future__ import annotations

from core.queue.priority import Rank, score, urgent_tier

STEP = 120.0


def order(items: dict[str, tuple[Rank, float]]) -> list[str]:
    return sorted(items, key=lambda k: score(items[k][0], items[k][1], STEP))


def test_fresh_emergency_outranks_an_hour_old_consultation() -> None:
    now = 1_800_000_000.0
    items = {
        "consult": (Rank(4, False, False, False), now - 3600),
        "fire": (Rank(1, True, False, False), now),
    }
    assert order(items) == ["fire", "consult"]


def test_live_call_and_alarm_are_urgent_even_without_keywords() -> None:
    assert urgent_tier(Rank(3, False, True, False))
    assert urgent_tier(Rank(4, False, False, True))
    assert not urgent_tier(Rank(3, False, False, False))


def test_waiting_ages_priority_within_the_ordinary_tier() -> None:
    now = 1_800_000_000.0
    # One priority step is worth STEP seconds: a p4 that waited 3 steps + 1 s
    # overtakes a p3 that just arrived, but not one that waited as long.
    items = {
        "old_p4": (Rank(4, False, False, False), now - 3 * STEP - 1),
        "new_p3": (Rank(3, False, False, False), now - 2 * STEP),
    }
    assert order(items) == ["old_p4", "new_p3"]
    items["new_p3"] = (Rank(3, False, False, False), now - 3 * STEP)
    assert order(items) == ["new_p3", "old_p4"]


def test_within_the_urgent_tier_an_emergency_precedes_a_plain_live_call() -> None:
    now = 1_800_000_000.0
    items = {
        "live": (Rank(3, False, True, False), now - 300),
        "emergency": (Rank(1, True, False, False), now),
    }
    assert order(items) == ["emergency", "live"]


def test_same_rank_is_first_come_first_served() -> None:
    r = Rank(2, False, False, False)
    assert score(r, 100.0, STEP) < score(r, 101.0, STEP)
