"""Place mentions, location fusion and merge rules (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.orgmap.gazetteer import Gazetteer, Place
from core.orgmap.location import Candidate, device, distance_m, fuse, mentioned
from core.triage.merge import CaseFacts, choose_target

ZHONGSHAN = Place(1, "钟山镇", "township", 27.10, 106.10, 1, ("钟山",))
HONGSHUI = Place(2, "洪水镇", "township", 27.20, 106.20, 2, ("洪水",))
DAZHAI_Z = Place(3, "大寨村", "village", 27.11, 106.11, 1)
DAZHAI_H = Place(4, "大寨村", "village", 27.21, 106.21, 2)
BRIDGE = Place(5, "鸭池河大桥", "landmark", 26.95, 106.15, 1, ("鸭池河桥",))
ADDRESS = Place(6, "钟山镇大寨村3组12号", "address", 27.111, 106.112, 1)
GAZ = Gazetteer([ZHONGSHAN, HONGSHUI, DAZHAI_Z, DAZHAI_H, BRIDGE, ADDRESS])


def test_alias_finds_the_official_place() -> None:
    hit = GAZ.best("喂，鸭池河桥上面两个车撞了")
    assert hit is not None
    assert hit.place.name == "鸭池河大桥"
    assert "喂，鸭池河桥上面"[hit.start : hit.end] == "鸭池河桥"


def test_ambiguous_village_needs_its_township() -> None:
    assert GAZ.best("大寨村有人打架") is None
    hit = GAZ.best("钟山那边大寨村有人打架")
    assert hit is not None
    assert hit.place.id == DAZHAI_Z.id


def test_everyday_word_is_not_a_township_without_its_suffix() -> None:
    assert GAZ.best("河里发洪水了，快来人") is None
    hit = GAZ.best("洪水镇河里发洪水了")
    assert hit is not None
    assert hit.place.id == HONGSHUI.id


def test_full_address_beats_village_and_township() -> None:
    hit = GAZ.best("我家在钟山镇大寨村3组12号，老人晕倒了")
    assert hit is not None
    assert hit.place.kind == "address"


def test_device_fix_beats_a_place_name_and_accuracy_discounts_it() -> None:
    gps = device(27.0, 106.0, "gps", accuracy_m=20)
    text = mentioned(27.1, 106.1, "village", "大寨村")
    fix = fuse([text, gps])
    assert fix is not None
    assert fix.source == "gps"
    assert device(27.0, 106.0, "gps", accuracy_m=2000).confidence < text.confidence


def test_agreeing_sources_raise_confidence() -> None:
    pidf = device(27.0, 106.0, "sip_pidf", accuracy_m=50)
    alone = fuse([pidf])
    both = fuse([pidf, mentioned(27.005, 106.003, "landmark", "农贸市场")])
    assert alone is not None
    assert both is not None
    assert both.confidence > alone.confidence
    assert both.label == "农贸市场"


def test_nothing_to_fuse_is_none() -> None:
    assert fuse([]) is None
    assert isinstance(device(1, 2, "manual"), Candidate)


def test_distance_is_metres() -> None:
    assert distance_m(27.0, 106.0, 27.0, 106.0) == 0
    assert distance_m(27.0, 106.0, 27.01, 106.0) == pytest.approx(1112, rel=0.01)


T0 = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)


def facts(
    cid: int, cat: str | None, lat: float | None, minutes: float, sender: str = "x"
) -> CaseFacts:
    """A report located by GPS to ±20 m (precision matters: see test_merge_precision)."""
    return CaseFacts(
        cid,
        f"QX-{cid}",
        cat,
        lat,
        None if lat is None else 106.0,
        T0 + timedelta(minutes=minutes),
        frozenset({sender}),
        uncertainty_m=20.0,
    )


def test_twenty_callers_about_one_fire_converge_on_the_first_case() -> None:
    first = facts(1, "fire", 27.0, 0, "c0")
    other_fire = facts(99, "fire", 27.03, 0, "far")  # ~3.3 km away: another fire
    cases = [first, other_fire]
    for i in range(1, 20):
        new = facts(i + 1, "fire", 27.0 + i * 0.0003, i, f"c{i}")
        decision = choose_target(new, cases)
        assert decision is not None
        assert decision.target.case_id == 1  # merged cases are no longer open targets


def test_same_kind_far_apart_or_late_is_a_different_event() -> None:
    old = facts(1, "fire", 27.0, 0, "a")
    assert choose_target(facts(2, "fire", 27.05, 5, "b"), [old]) is None  # ~5.5 km
    assert choose_target(facts(2, "fire", 27.0, 90, "b"), [old]) is None  # 90 min later
    assert choose_target(facts(2, "medical", 27.0, 5, "b"), [old]) is None


def test_same_sender_merges_within_half_an_hour_even_without_location() -> None:
    old = facts(1, "government", None, 0, "13800000001")
    assert choose_target(facts(2, "government", None, 10, "13800000001"), [old]) is not None
    assert choose_target(facts(2, "government", None, 45, "13800000001"), [old]) is None
    assert choose_target(facts(2, "government", None, 10, "13900000002"), [old]) is None


def test_consultations_from_different_people_never_merge_by_place() -> None:
    old = facts(1, "consumer", 27.0, 0, "a")
    assert choose_target(facts(2, "consumer", 27.0, 1, "b"), [old]) is None
