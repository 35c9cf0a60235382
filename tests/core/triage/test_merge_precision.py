"""并单 with location precision (pure): coarse locations become possible duplicates,
different places never merge, a caller on the line is only suggested, and the
automatic merges of a labelled set of report pairs are precise."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from core.orgmap.location import UNCERTAINTY_M, device, fuse, mentioned
from core.triage.merge import (
    CaseFacts,
    PlaceSignature,
    different_places,
    house_numbers,
    plan,
    score_pairs,
)
from tests.support.paths import DATA

T0 = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)
GUANYINDONG = 20  # township unit ids as the locator gives them
XINREN = 22


def report(
    cid: int,
    minutes: float,
    *,
    category: str = "police",
    subtype: str | None = "fight",
    lat: float | None = 27.0,
    lon: float | None = 106.0,
    uncertainty: float = 20.0,
    sender: str | None = None,
    township: int | None = None,
    specific: frozenset[str] = frozenset(),
    text: str = "",
) -> CaseFacts:
    return CaseFacts(
        cid,
        f"QX-{cid}",
        category,
        lat,
        lon,
        T0 + timedelta(minutes=minutes),
        frozenset({sender or f"1380000{cid:04d}"}),
        uncertainty,
        subtype,
        PlaceSignature(township, specific, house_numbers(text)),
    )


def test_every_location_carries_its_precision_and_uncertainty() -> None:
    gps = device(27.0, 106.0, "gps", accuracy_m=12)
    assert (gps.precision, gps.uncertainty_m) == ("gps", 12)
    assert device(27.0, 106.0, "sip_pidf").uncertainty_m == UNCERTAINTY_M["sip_pidf"]
    registry = device(27.0, 106.0, "registry", accuracy_m=5)
    assert registry.uncertainty_m == UNCERTAINTY_M["registry"]  # home is not the event
    for kind in ("address", "landmark", "village", "township"):
        place = mentioned(27.0, 106.0, kind, kind)
        assert (place.precision, place.uncertainty_m) == (kind, UNCERTAINTY_M[kind])
    fix = fuse([mentioned(27.0, 106.0, "township", "观音洞镇"), gps])
    assert fix is not None and (fix.precision, fix.uncertainty_m) == ("gps", 12)


def test_two_reports_placed_at_one_townships_centre_are_suggested_not_merged() -> None:
    # "观音洞镇中学门口有人打架" 25 minutes after "观音洞镇街上有人打架": both only
    # name the township, so both sit at its centre "0 m" apart — each ±8 km.
    street = report(1, 0, uncertainty=8000, township=GUANYINDONG)
    school = report(2, 25, uncertainty=8000, township=GUANYINDONG)
    p = plan(school, [street])
    assert p.merge is None
    assert [d.target.number for d in p.suggestions] == ["QX-1"]
    assert not p.suggestions[0].automatic
    assert p.suggestions[0].reason.startswith("可能重复")


def test_precise_reports_of_one_fight_merge() -> None:
    first = report(1, 0, lat=27.0)
    second = report(2, 4, lat=27.0008, uncertainty=15)  # ~90 m away, ±15 m
    p = plan(second, [first])
    assert p.merge is not None and p.merge.automatic and p.merge.target.case_id == 1


def test_a_coarse_gps_fix_is_only_a_possible_duplicate() -> None:
    first = report(1, 0)
    cell_fix = report(2, 4, lat=27.001, uncertainty=1500)  # a cell-tower fix
    p = plan(cell_fix, [first])
    assert p.merge is None and len(p.suggestions) == 1


def test_different_villages_of_one_township_never_merge_nor_are_suggested() -> None:
    a = report(1, 0, uncertainty=1500, township=XINREN, specific=frozenset({"village:7"}))
    b = report(2, 5, uncertainty=1500, township=XINREN, specific=frozenset({"village:8"}))
    assert different_places(a.places, b.places)
    p = plan(b, [a])
    assert p.merge is None and p.suggestions == ()


def test_different_house_numbers_never_merge_even_when_close() -> None:
    a = report(1, 0, uncertainty=30, text="钟山镇大寨村3组12号 有人打架")
    b = report(2, 3, lat=27.0001, uncertainty=30, text="大寨村3组15号这边打起来了")
    same_house = report(3, 6, lat=27.0001, uncertainty=30, text="3组12号门口还在打")
    assert plan(b, [a]) == plan(b, [])
    merged = plan(same_house, [a]).merge
    assert merged is not None and merged.target.case_id == 1


def test_different_townships_never_merge() -> None:
    a = report(1, 0, township=GUANYINDONG)
    b = report(2, 1, township=XINREN)  # same point (a bad fix), named elsewhere
    assert plan(b, [a]) == plan(b, [])


def test_a_caller_on_the_line_is_suggested_not_merged() -> None:
    first = report(1, 0)
    p = plan(report(2, 2, lat=27.0001), [first], live=True)
    assert p.merge is None
    assert p.suggestions[0].target.case_id == 1 and "来电中" in p.suggestions[0].reason


def test_a_flood_reported_from_one_village_merges_on_its_precision() -> None:
    village = frozenset({"village:30"})
    first = report(1, 0, category="government", subtype="flood", uncertainty=1500,
                   township=XINREN, specific=village)  # fmt: skip
    later = report(2, 40, category="government", subtype="flood", uncertainty=1500,
                   township=XINREN, specific=village)  # fmt: skip
    gps = report(3, 50, category="government", subtype="flood", lat=27.008, uncertainty=25,
                 township=XINREN)  # fmt: skip
    assert (m := plan(later, [first]).merge) is not None and m.target.case_id == 1
    assert (m := plan(gps, [first]).merge) is not None and m.target.case_id == 1
    # A fight in that village is a point event: village precision only suggests it.
    fight = report(4, 0, uncertainty=1500, township=XINREN, specific=village)
    fight2 = report(5, 10, uncertainty=1500, township=XINREN, specific=village)
    assert plan(fight2, [fight]).merge is None


def test_a_burst_of_distinct_addresses_across_townships_merges_nothing() -> None:
    # 400 reports, distinct senders and house numbers, 15 townships, placed at their
    # township's centre (the text names the township and a house) within 20 minutes.
    open_cases: list[CaseFacts] = []
    merged = 0
    for i in range(400):
        town = i % 15
        new = report(
            i + 1,
            i * 0.05,
            lat=27.0 + town * 0.05,
            uncertainty=8000,
            township=100 + town,
            text=f"{i // 15 + 1}组{i}号 有人打架",
        )
        p = plan(new, open_cases)
        merged += p.merge is not None
        if p.merge is None:
            open_cases.append(new)
    assert merged == 0


def _facts(r: dict[str, Any]) -> CaseFacts:
    return CaseFacts(
        r["id"],
        f"R{r['id']}",
        r["category"],
        r["lat"],
        r["lon"],
        T0 + timedelta(seconds=r["at_s"]),
        frozenset({r["sender"]}),
        r["uncertainty_m"],
        r["subtype"],
        PlaceSignature.from_json(r["places"]),
    )


def test_automatic_merges_on_the_labelled_report_pairs_are_precise() -> None:
    # tests/data/merge_reports_test.jsonl: reports labelled with their event (see
    # tests/data/src/make_merge_reports.py). The rules were set on the dev file only.
    rows = [
        json.loads(line)
        for line in (DATA / "merge_reports_test.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    pairs = [
        (_facts(a), _facts(b), a["event"] == b["event"])
        for i, a in enumerate(rows)
        for b in rows[i + 1 :]
        if a["category"] == b["category"] and b["at_s"] - a["at_s"] <= 3 * 3600
    ]
    figures = score_pairs(pairs)
    print(
        f"\nmerge pairs: {figures.pairs} ({figures.same} same event); automatic merges "
        f"{figures.merged}, precision {figures.precision:.4f}, recall {figures.recall:.4f}; "
        f"with possible duplicates shown: recall {figures.recall_with_suggestions:.4f}"
    )
    assert figures.same >= 1000 and figures.merged >= 300
    assert figures.precision >= 0.98
