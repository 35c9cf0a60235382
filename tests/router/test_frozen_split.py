"""The frozen test split: unchanged since it was frozen, never read by training, and the
deployed classifier's figures on it at or above the issue's targets.

If this fails after a change, the change made the classifier worse on words nobody
wrote for it — do not edit the split (tests/data/FROZEN.md)."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from typing import Any

import pytest

from router.evaluate import EvalReport, evaluate
from router.hybrid import HybridClassifier
from router.model import model_dir
from tests.support.paths import DATA

from .model_support import shared_hybrid

TEST_SET = DATA / "router_test.jsonl"
FROZEN_SHA256 = "d102bc403814068128f0922142f2ff73c52ca1edd1b84fc9bfbe5efdd9793b0e"


def _records() -> list[dict[str, Any]]:
    return [json.loads(x) for x in TEST_SET.read_text(encoding="utf-8").splitlines() if x]


@cache
def _report(slices: frozenset[str] | None = None, exclude: bool = False) -> EvalReport:
    clf: HybridClassifier = shared_hybrid()
    pairs = []
    for r in _records():
        if slices is not None and (r["slice"] in slices) == exclude:
            continue
        c = clf.classify(r["text"], r.get("hotline"))
        pairs.append((r, {"category": c.category, "emergency": c.emergency, "town": c.town}))
    return evaluate(pairs)


def test_the_split_is_the_one_that_was_frozen() -> None:
    assert hashlib.sha256(TEST_SET.read_bytes()).hexdigest() == FROZEN_SHA256


def test_training_never_read_the_frozen_split() -> None:
    card = json.loads((model_dir() / "card.json").read_text(encoding="utf-8"))
    files = {t["file"] for t in card["data"]["train"]} | {card["data"]["dev"]["file"]}
    assert TEST_SET.name not in files
    texts = {r["text"] for r in _records()}
    for name in ("router_train.jsonl", "router_dev.jsonl"):
        other = {json.loads(x)["text"] for x in (DATA / name).read_text("utf-8").splitlines()}
        assert not texts & other, f"{name} shares texts with the frozen split"


# Measured on 2026-12-08 with the model of that day, the first and only time the split
# was scored before this test was written: accuracy 0.9202, macro-F1 0.9267 in the dev
# set's style — the 0.95 target is NOT met (README, "Classifier"). The target stays
# here as a strict xfail (it turns red the day it is met, so the marker goes), and the
# measured figures are a floor that a change must not push the classifier below.
MEASURED_ACCURACY = 0.9202
MEASURED_MACRO_F1 = 0.9267


@pytest.mark.xfail(strict=True, reason="target not met: 0.9202 / 0.9267 measured 2026-12-08")
def test_contacts_in_the_dev_sets_style_reach_accuracy_and_macro_f1_of_095() -> None:
    report = _report(frozenset({"long"}), exclude=True)
    assert report.total >= 250
    assert report.accuracy >= 0.95, report.format()
    assert report.macro_f1 >= 0.95, report.format()


def test_contacts_in_the_dev_sets_style_stay_at_least_as_good_as_measured() -> None:
    report = _report(frozenset({"long"}), exclude=True)
    assert report.accuracy >= MEASURED_ACCURACY - 1e-4, report.format()
    assert report.macro_f1 >= MEASURED_MACRO_F1 - 1e-4, report.format()


def test_emergency_recall_is_097_with_at_most_10_percent_false_alarms() -> None:
    report = _report()
    assert report.emergency_recall is not None and report.emergency_recall >= 0.97, report.format()
    assert report.false_alarm_rate is not None and report.false_alarm_rate <= 0.10, report.format()


def test_long_written_posts_reach_085() -> None:
    report = _report(frozenset({"long"}))
    assert report.total >= 40
    assert report.accuracy >= 0.85, report.format()


def test_a_township_named_in_the_text_is_recognised() -> None:
    report = _report()
    assert report.town_accuracy is not None and report.town_accuracy >= 0.95
