"""Scoring a classifier (accuracy, macro-F1, emergency and town accuracy, confusion
matrix) and the labelled dev set's own bar."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from core.orgmap.qianxi import TOWNSHIPS
from router.evaluate import evaluate

from .lexicon_support import DEV_SET, shared_classifier


def _gold(cat: str, emergency: bool = False, town: str | None = None) -> dict[str, Any]:
    return {"category": cat, "emergency": emergency, "town": town}


def test_figures_of_a_crafted_run_are_exact() -> None:
    pairs = [
        (_gold("fire", True, "钟山镇"), _gold("fire", True, "钟山镇")),
        (_gold("fire", True), _gold("police", True)),
        (_gold("police"), _gold("police", True)),
        (_gold("police", town=None), _gold("police", town="洪水镇")),
    ]
    report = evaluate(pairs)
    assert report.accuracy == pytest.approx(0.75)
    # fire: P=1, R=0.5 -> F1 2/3; police: P=2/3, R=1 -> F1 0.8
    assert report.macro_f1 == pytest.approx((2 / 3 + 0.8) / 2)
    assert report.emergency_accuracy == pytest.approx(0.75)
    assert report.town_accuracy == pytest.approx(0.75)
    assert report.confusion == {"fire": {"fire": 1, "police": 1}, "police": {"police": 2}}
    text = report.format()
    for figure in ("accuracy: 0.7500", "macro-F1:", "emergency accuracy:", "town accuracy:"):
        assert figure in text
    assert "confusion matrix" in text


def test_records_without_gold_town_or_emergency_are_not_counted_for_them() -> None:
    report = evaluate([({"category": "fire"}, _gold("fire", True, "钟山镇"))])
    assert (report.emergency_accuracy, report.town_accuracy) == (None, None)
    assert "n/a" in report.format()


def _dev_set() -> list[dict[str, Any]]:
    return [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line]


def test_dev_set_is_large_varied_and_well_formed() -> None:
    records = _dev_set()
    assert len(records) >= 400
    assert len({r["id"] for r in records}) == len(records)
    per_category = Counter(r["category"] for r in records)
    assert set(per_category) == {"police", "fire", "medical", "traffic", "consumer", "government"}
    assert min(per_category.values()) >= 40
    assert len({r["subtype"] for r in records}) >= 40
    towns = {t.name for t in TOWNSHIPS}
    assert {r["town"] for r in records} - {None} <= towns
    assert sum(r["town"] is not None for r in records) >= 60
    assert sum(r.get("hotline") is None for r in records) >= 60
    assert 0.3 <= sum(r["emergency"] for r in records) / len(records) <= 0.7


def test_the_lexicons_own_dev_set_accuracy_meets_the_bar() -> None:
    # The 788 contacts the lexicon was written with (no ``slice``): the lexicon alone
    # keeps its own bar. The 528 added for issue 17 are scored by the deployed
    # classifier (test_model.py, and the model card).
    clf = shared_classifier()
    pairs = []
    for record in (r for r in _dev_set() if "slice" not in r):
        result = clf.classify(record["text"], record.get("hotline"))
        pairs.append(
            (
                record,
                {"category": result.category, "emergency": result.emergency, "town": result.town},
            )
        )
    report = evaluate(pairs)
    assert report.accuracy >= 0.95, report.format()
    assert report.macro_f1 >= 0.95
    assert report.emergency_accuracy is not None and report.emergency_accuracy >= 0.95
    assert report.town_accuracy is not None and report.town_accuracy >= 0.97
