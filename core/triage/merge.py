"""并单: deciding whether a new contact belongs to a case already open (pure).

Two rules. The same sender writing or calling again within ``SAME_SENDER_S``
about the same kind of thing is the same case. Different people reporting the
same kind of event close in time and place are the same event — twenty callers
about one fire make one case with twenty contacts. Consultations and complaints
(12345, 12315) are individual by nature and merge only by sender.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from core.orgmap.location import distance_m

SAME_SENDER_S = 1800.0


@dataclass(frozen=True, slots=True)
class EventRule:
    window_s: float
    radius_m: float


EVENT_RULES: dict[str, EventRule] = {
    "fire": EventRule(3600, 1500),  # smoke is seen from far away, for long
    "traffic": EventRule(1800, 800),
    "police": EventRule(1800, 500),
    "medical": EventRule(1200, 300),
}


@dataclass(frozen=True, slots=True)
class CaseFacts:
    case_id: int
    number: str
    category: str | None
    lat: float | None
    lon: float | None
    at: datetime
    senders: frozenset[str]


@dataclass(frozen=True, slots=True)
class MergeDecision:
    target: CaseFacts
    reason: str
    distance_m: float | None


def _same_kind(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a == b


def _distance(a: CaseFacts, b: CaseFacts) -> float | None:
    if a.lat is None or a.lon is None or b.lat is None or b.lon is None:
        return None
    return distance_m(a.lat, a.lon, b.lat, b.lon)


def choose_target(
    new: CaseFacts, open_cases: Sequence[CaseFacts], rules: dict[str, EventRule] | None = None
) -> MergeDecision | None:
    """The open case ``new`` should join, or None. Earliest case wins ties, so a
    burst of reports converges on the first one."""
    rules = EVENT_RULES if rules is None else rules
    best: tuple[tuple[int, float, datetime], MergeDecision] | None = None
    for old in open_cases:
        if old.case_id == new.case_id or old.at > new.at:
            continue
        dt = (new.at - old.at).total_seconds()
        dist = _distance(new, old)
        decision = None
        key: tuple[int, float, datetime] | None = None
        if (
            new.senders & old.senders
            and dt <= SAME_SENDER_S
            and _same_kind(new.category, old.category)
        ):
            decision = MergeDecision(old, "同一报警人再次来电/留言", dist)
            key = (0, dt, old.at)
        elif (
            new.category is not None
            and new.category == old.category
            and (rule := rules.get(new.category)) is not None
            and dist is not None
            and dist <= rule.radius_m
            and dt <= rule.window_s
        ):
            decision = MergeDecision(
                old, f"同类事件，相距约{int(dist)}米、{int(dt // 60)}分钟内", dist
            )
            key = (1, dist, old.at)
        if decision is not None and key is not None and (best is None or key < best[0]):
            best = (key, decision)
    return best[1] if best else None
