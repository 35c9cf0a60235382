"""Scoring a classifier against labelled contacts: accuracy, macro-F1, emergency recall
and false-alarm rate, town accuracy, a confusion matrix, accuracy per slice, and the
emergency decision's precision/recall curve. Pure functions over plain records (the
shape of ``liandong classify`` output and of the labelled JSON Lines files).

Emergency figures, over records with a gold ``emergency``:

* recall = flagged emergencies / emergencies (a miss leaves a life at P3 in the queue);
* false-alarm rate = flagged non-emergencies / non-emergencies (how often a call taker
  is rushed for nothing); precision = emergencies / flagged, printed beside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# Display order of the six families; unknown labels follow in sorted order.
CATEGORY_ORDER = ("police", "fire", "medical", "traffic", "consumer", "government")


@dataclass(frozen=True, slots=True)
class ClassScore:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class EvalReport:
    total: int
    accuracy: float
    macro_f1: float
    emergency_accuracy: float | None  # None when no record has a gold ``emergency``
    emergency_total: int
    town_accuracy: float | None  # None when no record has a gold ``town`` key
    town_total: int
    per_category: Mapping[str, ClassScore]
    labels: Sequence[str]
    confusion: Mapping[str, Mapping[str, int]]  # gold -> predicted -> count
    misses: Sequence[tuple[str, str, str]] = field(default_factory=list)  # id, gold, pred
    emergency_recall: float | None = None
    false_alarm_rate: float | None = None
    emergency_precision: float | None = None
    slices: Mapping[str, tuple[int, float]] = field(default_factory=dict)  # n, accuracy

    def format(self) -> str:
        lines = [
            f"contacts: {self.total}",
            f"accuracy: {self.accuracy:.4f}",
            f"macro-F1: {self.macro_f1:.4f}",
            "emergency accuracy: " + _fmt(self.emergency_accuracy) + f" (n={self.emergency_total})",
            "emergency recall: " + _fmt(self.emergency_recall),
            "false-alarm rate: "
            + _fmt(self.false_alarm_rate)
            + " (non-emergencies flagged; precision "
            + _fmt(self.emergency_precision)
            + ")",
            f"town accuracy: {_fmt(self.town_accuracy)} (n={self.town_total})",
            "",
            f"{'category':<12}{'precision':>10}{'recall':>10}{'F1':>10}{'support':>9}",
        ]
        for label in self.labels:
            s = self.per_category[label]
            lines.append(
                f"{label:<12}{s.precision:>10.4f}{s.recall:>10.4f}{s.f1:>10.4f}{s.support:>9}"
            )
        lines += ["", "confusion matrix (rows = gold, columns = predicted):"]
        width = max(8, *(len(label) + 1 for label in self.labels))
        lines.append(" " * 12 + "".join(f"{label[: width - 1]:>{width}}" for label in self.labels))
        for gold in self.labels:
            row = self.confusion.get(gold, {})
            cells = "".join(f"{row.get(pred, 0):>{width}}" for pred in self.labels)
            lines.append(f"{gold:<12}{cells}")
        if len(self.slices) > 1:
            lines += ["", "accuracy by slice:"]
            lines += [f"  {k:<10}{a:>8.4f}  (n={n})" for k, (n, a) in self.slices.items()]
        return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def _ordered(labels: Iterable[str]) -> list[str]:
    present = set(labels)
    known = [c for c in CATEGORY_ORDER if c in present]
    return known + sorted(present - set(CATEGORY_ORDER))


def evaluate(pairs: Iterable[tuple[Mapping[str, Any], Mapping[str, Any]]]) -> EvalReport:
    """Compare (gold, predicted) records. Gold needs ``category``; ``emergency`` and
    ``town`` are scored on the records that carry them (``town: null`` counts: the
    right answer is then "no town")."""
    total = correct = em_total = em_correct = town_total = town_correct = 0
    tp = fp = fn = tn = 0
    by_slice: dict[str, list[int]] = {}
    confusion: dict[str, dict[str, int]] = {}
    misses: list[tuple[str, str, str]] = []
    for gold, pred in pairs:
        g = str(gold["category"])
        p = str(pred.get("category"))
        total += 1
        correct += g == p
        confusion.setdefault(g, {})
        confusion[g][p] = confusion[g].get(p, 0) + 1
        if g != p:
            misses.append((str(gold.get("id", "")), g, p))
        if gold.get("slice"):
            hits = by_slice.setdefault(str(gold["slice"]), [0, 0])
            hits[0] += 1
            hits[1] += g == p
        if "emergency" in gold and gold["emergency"] is not None:
            em_total += 1
            real, flagged = bool(gold["emergency"]), bool(pred.get("emergency"))
            em_correct += real == flagged
            tp += real and flagged
            fn += real and not flagged
            fp += flagged and not real
            tn += not real and not flagged
        if "town" in gold:
            town_total += 1
            town_correct += (gold["town"] or None) == (pred.get("town") or None)
    labels = _ordered(set(confusion) | {p for row in confusion.values() for p in row})
    per_category: dict[str, ClassScore] = {}
    for label in labels:
        hit = confusion.get(label, {}).get(label, 0)
        support = sum(confusion.get(label, {}).values())
        predicted = sum(row.get(label, 0) for row in confusion.values())
        precision = hit / predicted if predicted else 0.0
        recall = hit / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_category[label] = ClassScore(precision, recall, f1, support)
    # Macro-F1 over the gold classes: a label only ever predicted (never gold) would
    # otherwise count as a zero and punish the average for a class that is not there.
    gold_labels = [label for label in labels if per_category[label].support]
    macro = (
        sum(per_category[lb].f1 for lb in gold_labels) / len(gold_labels) if gold_labels else 0.0
    )
    return EvalReport(
        total=total,
        accuracy=correct / total if total else 0.0,
        macro_f1=macro,
        emergency_accuracy=em_correct / em_total if em_total else None,
        emergency_total=em_total,
        town_accuracy=town_correct / town_total if town_total else None,
        town_total=town_total,
        per_category=per_category,
        labels=labels,
        confusion=confusion,
        misses=misses,
        emergency_recall=tp / (tp + fn) if tp + fn else None,
        false_alarm_rate=fp / (fp + tn) if fp + tn else None,
        emergency_precision=tp / (tp + fp) if tp + fp else None,
        slices={k: (n, c / n) for k, (n, c) in sorted(by_slice.items())},
    )


@dataclass(frozen=True, slots=True)
class CurvePoint:
    threshold: float
    precision: float
    recall: float
    false_alarm_rate: float


def emergency_curve(
    signals: Iterable[tuple[bool, bool, float]], thresholds: Iterable[float]
) -> list[CurvePoint]:
    """Precision/recall of "emergency = rule fired or P(emergency) >= threshold" for each
    threshold, from (gold, rule fired, model probability) per contact."""
    rows = list(signals)
    points = []
    for t in thresholds:
        tp = fp = fn = tn = 0
        for real, rule, p in rows:
            flagged = rule or p >= t
            tp += real and flagged
            fn += real and not flagged
            fp += flagged and not real
            tn += not real and not flagged
        points.append(
            CurvePoint(
                t,
                tp / (tp + fp) if tp + fp else 1.0,
                tp / (tp + fn) if tp + fn else 1.0,
                fp / (fp + tn) if fp + tn else 0.0,
            )
        )
    return points


def format_curve(points: Sequence[CurvePoint], chosen: float | None = None) -> str:
    lines = [
        "emergency precision/recall curve (rule or P(emergency) >= threshold):",
        f"{'threshold':>10}{'precision':>11}{'recall':>9}{'false-alarm':>13}",
    ]
    for pt in points:
        mark = "  <- in use" if chosen is not None and abs(pt.threshold - chosen) < 1e-9 else ""
        lines.append(
            f"{pt.threshold:>10.2f}{pt.precision:>11.4f}{pt.recall:>9.4f}"
            f"{pt.false_alarm_rate:>13.4f}{mark}"
        )
    return "\n".join(lines)
