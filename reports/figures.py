"""Pure assessment arithmetic (R10-R12): the three rates (三率), the composite score,
ranks, and the rule that names townships. Counts in, figures out; no I/O.

Definitions (a unit is a department or a township-level unit; instructions sent to
a township's villages and grid workers count for the township):

* volume (承办量): lead instructions (主办) sent to the unit in the period;
* acknowledged on time (按时签收率): of those, acknowledged by their ack deadline;
* completed on time (按时办结率): of those, completed by their done deadline;
* satisfaction (满意率): overall citizen ratings in the period of cases the unit
  completed, (满意 + 基本满意) / all ratings; staff follow-up calls are analysed
  per stage but do not count here;
* reopen count (重办): cases reopened to the unit in the period;
* escalations by ladder step (督办): steps 1-4 of R12 taken against the unit;
* 推诿 strikes: each 退单 (return) by the unit, plus each instruction taken away by
  改派 (reassignment) before the unit even acknowledged it — a unit that neither
  acts nor answers is passing the work on as surely as one that sends it back;
* score: the weighted mean of the rates the unit has (weights in ReportSettings),
  ranked within departments and within townships (1, 2, 2, 4 on ties).

Naming (R10): a township is flagged when its figure (satisfaction by default) is
strictly below the city average — all townships' ratings pooled — AND it is among
the bottom ten: fewer than ten townships have a strictly lower figure (so units
tied at the tenth place are all in). A township without a figure is not flagged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass
class UnitFigures:
    unit_id: int
    name: str
    kind: str  # department / township
    subkind: str | None = None
    volume: int = 0
    area_cases: int = 0  # cases located in a township's area
    ack_on_time: int = 0
    done_on_time: int = 0
    completed: int = 0
    rated: int = 0
    satisfied: int = 0  # 满意
    basically: int = 0  # 基本满意
    dissatisfied: int = 0  # 不满意
    reopened: int = 0
    returns: int = 0
    withdrawn_unacked: int = 0
    escalations: dict[int, int] = field(default_factory=dict)  # ladder level → count
    score: float | None = None
    rank: int | None = None
    flagged: bool = False

    @property
    def ack_rate(self) -> float | None:
        return self.ack_on_time / self.volume if self.volume else None

    @property
    def done_rate(self) -> float | None:
        return self.done_on_time / self.volume if self.volume else None

    @property
    def satisfaction(self) -> float | None:
        return (self.satisfied + self.basically) / self.rated if self.rated else None

    @property
    def strikes(self) -> int:
        return self.returns + self.withdrawn_unacked

    @property
    def escalation_total(self) -> int:
        return sum(self.escalations.values())


def score(
    ack: float | None, done: float | None, sat: float | None, weights: Sequence[float]
) -> float | None:
    """The weighted mean of the rates present; None when a unit had no work."""
    pairs = [(r, w) for r, w in zip((ack, done, sat), weights, strict=True) if r is not None]
    total = sum(w for _, w in pairs)
    if not pairs or total == 0:
        return None
    return sum(r * w for r, w in pairs) / total


def competition_ranks(values: Sequence[float | None]) -> list[int | None]:
    """Rank higher values first; equal values share a rank (1, 2, 2, 4)."""
    present = sorted((v for v in values if v is not None), reverse=True)
    first: dict[float, int] = {}
    for i, v in enumerate(present, 1):
        first.setdefault(v, i)
    return [None if v is None else first[v] for v in values]


def bottom_flags(values: Sequence[float | None], average: float | None, n: int) -> list[bool]:
    """R10: strictly below ``average`` and among the bottom ``n`` (ties included)."""
    if average is None:
        return [False] * len(values)
    present = [v for v in values if v is not None]
    out = []
    for v in values:
        if v is None:
            out.append(False)
            continue
        lower = sum(1 for x in present if x < v)
        out.append(v < average and lower < n)
    return out


def pooled_satisfaction(units: Iterable[UnitFigures]) -> float | None:
    rated = good = 0
    for u in units:
        rated += u.rated
        good += u.satisfied + u.basically
    return good / rated if rated else None


def assess(
    units: list[UnitFigures],
    weights: Sequence[float],
    *,
    bottom_n: int = 10,
    flag_metric: str = "satisfaction",
) -> float | None:
    """Score and rank every unit in place, flag townships; returns the city average
    the flag rule compared with."""
    for u in units:
        u.score = score(u.ack_rate, u.done_rate, u.satisfaction, weights)
    for kind in ("department", "township"):
        group = [u for u in units if u.kind == kind]
        for u, r in zip(group, competition_ranks([u.score for u in group]), strict=True):
            u.rank = r
    towns = [u for u in units if u.kind == "township"]
    if flag_metric == "score":
        scored = [u.score for u in towns if u.score is not None]
        average = sum(scored) / len(scored) if scored else None
        values = [u.score for u in towns]
    else:
        average = pooled_satisfaction(towns)
        values = [u.satisfaction for u in towns]
    for u, flag in zip(towns, bottom_flags(values, average, bottom_n), strict=True):
        u.flagged = flag
    return average
