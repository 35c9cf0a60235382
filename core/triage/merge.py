"""并单: deciding whether a new contact belongs to a case already open (pure).

Merge only what is the same event — a wrong merge hides an incident, a missed one
only costs a call taker a click. So:

* **Same sender** writing or calling again within ``SAME_SENDER_S`` about the same kind
  of thing: the same case.
* **Different people, same event**: same category (or the same area-wide subtype:
  a flood, a landslide, a forest fire), within the rule's time window, and *surely*
  within its radius: the distance between the two points **plus both uncertainties**
  (``core.orgmap.location``: GPS/PIDF-LO accuracy, or address ±30 m, landmark ±200 m,
  village ±1.5 km, township ±8 km) is at most the radius. Twenty callers with phones
  around one fire merge; two reports placed at one township's centre never do.
* **Possible duplicates (可能重复)**: same kind, in the window, *could* be within the
  radius (distance minus both uncertainties ≤ radius), or both name only the same
  township — shown to the call taker (one click to merge), never merged automatically.
  A caller on the line is never merged away either: at most suggested.
* **Different places never merge**, not even as a suggestion: two townships, two
  places of the gazetteer with nothing in common, or two different house / group
  numbers (3组12号 vs 3组15号).

Consultations and complaints (12345, 12315) are individual by nature and merge only
by sender.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from core.orgmap.location import UNKNOWN_UNCERTAINTY_M, distance_m

SAME_SENDER_S = 1800.0


@dataclass(frozen=True, slots=True)
class EventRule:
    window_s: float
    radius_m: float


EVENT_RULES: dict[str, EventRule] = {
    "fire": EventRule(3600, 1500),  # smoke is seen from far away, for long
    "traffic": EventRule(1800, 400),
    "police": EventRule(1800, 500),
    "medical": EventRule(1200, 300),
}
# Events that cover an area: reported from all over a valley for hours.
AREA_RULES: dict[str, EventRule] = {
    "flood": EventRule(3 * 3600, 5000),
    "landslide_risk": EventRule(2 * 3600, 2000),
    "forest_fire": EventRule(2 * 3600, 4000),
}

_NUMBER = re.compile(r"(\d{1,5})\s*(号楼|号|栋|幢|单元|组|弄)")


@dataclass(frozen=True, slots=True)
class PlaceSignature:
    """The places a report names: its township (unit id), gazetteer places below it
    (``"village:12"``, ``"landmark:7"``), and house / building / group numbers."""

    township: int | None = None
    specific: frozenset[str] = frozenset()
    numbers: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {
            "township": self.township,
            "specific": sorted(self.specific),
            "numbers": {k: sorted(v) for k, v in sorted(self.numbers.items())},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object] | None) -> PlaceSignature:
        if not data:
            return cls()
        numbers = data.get("numbers") or {}
        specific = data.get("specific") or []
        township = data.get("township")
        return cls(
            township if isinstance(township, int) else None,
            frozenset(str(x) for x in specific) if isinstance(specific, list) else frozenset(),
            {str(k): frozenset(str(x) for x in v) for k, v in numbers.items()}
            if isinstance(numbers, dict)
            else {},
        )


def house_numbers(text: str) -> dict[str, frozenset[str]]:
    """``3组12号`` → {"组": {"3"}, "号": {"12"}} (号楼 counts as 栋)."""
    found: dict[str, set[str]] = {}
    for number, unit in _NUMBER.findall(text):
        unit = "栋" if unit in ("号楼", "幢") else unit
        found.setdefault(unit, set()).add(str(int(number)))
    return {k: frozenset(v) for k, v in found.items()}


def different_places(a: PlaceSignature, b: PlaceSignature) -> bool:
    if a.township is not None and b.township is not None and a.township != b.township:
        return True
    if a.specific and b.specific and a.specific.isdisjoint(b.specific):
        return True
    return any(
        unit in b.numbers and values.isdisjoint(b.numbers[unit])
        for unit, values in a.numbers.items()
    )


@dataclass(frozen=True, slots=True)
class CaseFacts:
    case_id: int
    number: str
    category: str | None
    lat: float | None
    lon: float | None
    at: datetime
    senders: frozenset[str]
    uncertainty_m: float = UNKNOWN_UNCERTAINTY_M  # metres; the location's precision
    subtype: str | None = None
    places: PlaceSignature = PlaceSignature()


@dataclass(frozen=True, slots=True)
class MergeDecision:
    target: CaseFacts
    reason: str
    distance_m: float | None
    automatic: bool = True  # False: a possible duplicate for the call taker


@dataclass(frozen=True, slots=True)
class MergePlan:
    merge: MergeDecision | None
    suggestions: tuple[MergeDecision, ...] = ()


def _same_kind(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a == b


def _distance(a: CaseFacts, b: CaseFacts) -> float | None:
    if a.lat is None or a.lon is None or b.lat is None or b.lon is None:
        return None
    return distance_m(a.lat, a.lon, b.lat, b.lon)


def rule_for(new: CaseFacts, old: CaseFacts, rules: Mapping[str, EventRule]) -> EventRule | None:
    if new.subtype is not None and new.subtype == old.subtype and new.subtype in AREA_RULES:
        return AREA_RULES[new.subtype]
    if new.category is not None and new.category == old.category:
        return rules.get(new.category)
    return None


def plan(
    new: CaseFacts,
    open_cases: Sequence[CaseFacts],
    rules: Mapping[str, EventRule] | None = None,
    *,
    live: bool = False,
) -> MergePlan:
    """The open case ``new`` joins (if any) and the possible duplicates to show.
    Earliest case wins ties, so a burst of reports converges on the first one."""
    rules = EVENT_RULES if rules is None else rules
    best: tuple[tuple[int, float, datetime], MergeDecision] | None = None
    suggestions: list[tuple[tuple[float, datetime], MergeDecision]] = []
    for old in open_cases:
        if old.case_id == new.case_id or old.at > new.at:
            continue
        if different_places(new.places, old.places):
            continue
        dt = (new.at - old.at).total_seconds()
        dist = _distance(new, old)
        if (
            new.senders & old.senders
            and dt <= SAME_SENDER_S
            and _same_kind(new.category, old.category)
        ):
            decision = MergeDecision(old, "同一报警人再次来电/留言", dist)
            key = (0, dt, old.at)
            if best is None or key < best[0]:
                best = (key, decision)
            continue
        rule = rule_for(new, old, rules)
        if rule is None or dt > rule.window_s:
            continue
        spread = new.uncertainty_m + old.uncertainty_m
        minutes = int(dt // 60)
        if dist is not None and dist + spread <= rule.radius_m:
            decision = MergeDecision(old, f"同类事件，相距约{int(dist)}米、{minutes}分钟内", dist)
            key = (1, dist, old.at)
            if best is None or key < best[0]:
                best = (key, decision)
        elif dist is not None and dist - spread <= rule.radius_m:
            reason = (
                f"可能重复：同类事件，相距约{int(dist)}米（位置误差±{int(new.uncertainty_m)}米/"
                f"±{int(old.uncertainty_m)}米）、{minutes}分钟内"
            )
            suggestions.append(((dist, old.at), MergeDecision(old, reason, dist, False)))
        elif (
            dist is None
            and new.places.township is not None
            and new.places.township == old.places.township
        ):
            reason = f"可能重复：同类事件，同一乡镇（无精确位置）、{minutes}分钟内"
            far = float(UNKNOWN_UNCERTAINTY_M)
            suggestions.append(((far, old.at), MergeDecision(old, reason, None, False)))
    merge = best[1] if best is not None else None
    if merge is not None and live:
        # A caller on the line is answered whatever: suggest, do not merge.
        suggestions.append(((-1.0, merge.target.at), _as_suggestion(merge)))
        merge = None
    suggestions.sort(key=lambda s: s[0])
    chosen = tuple(
        d for _k, d in suggestions if merge is None or d.target.case_id != merge.target.case_id
    )
    return MergePlan(merge, chosen[:5])


def _as_suggestion(d: MergeDecision) -> MergeDecision:
    reason = (
        d.reason
        if d.reason.startswith("可能重复")
        else f"可能重复：{d.reason}（来电中，不自动并单）"
    )
    return MergeDecision(d.target, reason, d.distance_m, False)


def choose_target(
    new: CaseFacts, open_cases: Sequence[CaseFacts], rules: Mapping[str, EventRule] | None = None
) -> MergeDecision | None:
    """The open case ``new`` should be merged into automatically, or None."""
    return plan(new, open_cases, rules).merge


@dataclass(frozen=True, slots=True)
class PairFigures:
    pairs: int
    same: int
    merged: int
    correct_merges: int
    suggested_same: int

    @property
    def precision(self) -> float:
        return self.correct_merges / self.merged if self.merged else 1.0

    @property
    def recall(self) -> float:
        return self.correct_merges / self.same if self.same else 1.0

    @property
    def recall_with_suggestions(self) -> float:
        found = self.correct_merges + self.suggested_same
        return found / self.same if self.same else 1.0


def score_pairs(pairs: Iterable[tuple[CaseFacts, CaseFacts, bool]]) -> PairFigures:
    """Automatic merges of (earlier, later, same event?) pairs: how many were right
    (precision), how many same-event pairs were merged (recall), and how many more
    were at least shown as possible duplicates."""
    total = same = merged = correct = suggested = 0
    for old, new, is_same in pairs:
        total += 1
        same += is_same
        p = plan(new, [old])
        if p.merge is not None:
            merged += 1
            correct += is_same
        elif is_same and p.suggestions:
            suggested += 1
    return PairFigures(total, same, merged, correct, suggested)
