"""A deterministic, realistic history of past months for the reports (demo data).

Per day: a volume with seasonality (summer storms and the Spring Festival are busy,
weekends are quieter), categories that shift with the season (fires in the dry
winter-spring), townships weighted by population, hotlines and channels, repeated
contacts about one event (并单-like extra contacts), and units with habits — most
are diligent, a few laggards acknowledge and finish late, send work back (退单) or
sit on it until it is reassigned (改派), and their citizens are less satisfied.
Every case has a legal case log (``CaseService.rebuild`` replays it); 不满意 leads to
重办 with the shorter deadline unless overruled; missed deadlines climb the ladder.

What is left out on purpose, because nothing reads it for past months: outbox rows,
work-queue entries, deliver/remind steps and the ladder rows of instructions that
never missed a deadline, and notices (the cursors of the notice and feedback
watchers are moved past the history so no citizen is messaged about it).
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.orgmap.tables import UnitRow

SEED = 110
ACTOR = "demo-history"
# Month → volume factor (1 = an average month).
SEASON = {1: 0.95, 2: 1.12, 3: 0.92, 4: 0.95, 5: 1.0, 6: 1.05, 7: 1.18, 8: 1.15, 9: 0.98,
          10: 1.05, 11: 0.88, 12: 0.9}  # fmt: skip
CATEGORY_MIX = {"police": 0.30, "government": 0.32, "traffic": 0.14, "consumer": 0.10,
                "medical": 0.09, "fire": 0.05}  # fmt: skip
DEPT_FOR = {"police": "QX-D01", "fire": "QX-D02", "medical": "QX-D03", "traffic": "QX-D04",
            "consumer": "QX-D05"}  # fmt: skip
HOTLINE = {"police": "110", "fire": "119", "medical": "120", "traffic": "122",
           "consumer": "12315", "government": "12345"}  # fmt: skip
CHANNELS = (("phone", 0.72), ("wechat", 0.09), ("sms", 0.04), ("app", 0.06), ("weibo", 0.02),
            ("grid", 0.05), ("stb_alarm", 0.02))  # fmt: skip
# Hour-of-day weights (local time): quiet nights, busy late mornings and evenings.
HOURS = (1, 0.6, 0.4, 0.3, 0.3, 0.5, 1.2, 2.2, 3.2, 3.8, 4.0, 3.6, 3.0, 3.2, 3.5, 3.6, 3.4,
         3.3, 3.6, 3.9, 3.5, 2.8, 2.0, 1.4)  # fmt: skip
ACK_MIN = {1: 5, 2: 15, 3: 30, 4: 120}
DONE_H = {1: 1.0, 2: 4.0, 3: 24.0, 4: 72.0}
SUMMARY = {"police": "群众报警求助", "government": "群众反映民生诉求", "traffic": "交通事故报警",
           "consumer": "消费投诉", "medical": "急救求助", "fire": "火警"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Habit:
    """How a unit works: chances of acknowledging and finishing on time, of a
    satisfied citizen, of sending work back and of sitting on it."""

    ack: float
    done: float
    satisfied: float
    returns: float
    sits: float
    lateness: float  # how late, in multiples of the limit, when late


@dataclass
class Unit:
    id: int
    code: str
    kind: str
    lat: float
    lon: float
    habit: Habit
    grids: list[int] = field(default_factory=list)
    weight: float = 1.0


def _habit(rng: random.Random, laggard: bool) -> Habit:
    if laggard:
        return Habit(
            rng.uniform(0.55, 0.72), rng.uniform(0.5, 0.68), rng.uniform(0.62, 0.78),
            rng.uniform(0.05, 0.09), rng.uniform(0.03, 0.06), rng.uniform(1.5, 4.0),
        )  # fmt: skip
    return Habit(
        rng.uniform(0.9, 0.99), rng.uniform(0.86, 0.97), rng.uniform(0.88, 0.97),
        rng.uniform(0.005, 0.02), rng.uniform(0.0, 0.01), rng.uniform(0.2, 1.0),
    )  # fmt: skip


async def load_units(session: Any, seed: int = SEED) -> tuple[list[Unit], dict[str, Unit]]:
    """Townships (with their grids) and departments, each with a deterministic habit;
    four townships and three departments are laggards."""
    rows = (
        await session.execute(
            select(UnitRow.id, UnitRow.code, UnitRow.kind, UnitRow.subkind, UnitRow.parent_id,
                   UnitRow.lat, UnitRow.lon).order_by(UnitRow.id)
        )
    ).all()  # fmt: skip
    parent = {r.id: r.parent_id for r in rows}
    rng = random.Random(f"{seed}:habits")
    towns = [r for r in rows if r.kind == "township"]
    depts = [r for r in rows if r.kind == "department"]
    lag_towns = set(rng.sample([r.id for r in towns], min(4, len(towns))))
    lag_depts = set(rng.sample([r.id for r in depts if r.code not in DEPT_FOR.values()], 3))
    townships = []
    for r in towns:
        street = r.subkind == "street"
        townships.append(
            Unit(r.id, r.code, "township", r.lat or 27.0, r.lon or 106.0,
                 _habit(rng, r.id in lag_towns), weight=2.6 if street else 1.0)
        )  # fmt: skip
    by_id = {u.id: u for u in townships}
    for r in rows:
        if r.kind == "grid":
            village = parent.get(r.id)
            town = parent.get(village) if village is not None else None
            if town in by_id:
                by_id[town].grids.append(r.id)
    departments = {
        r.code: Unit(r.id, r.code, "department", r.lat or 27.0, r.lon or 106.0,
                     _habit(rng, r.id in lag_depts))
        for r in depts
    }  # fmt: skip
    return townships, departments


def local_days(until_month: date, months: int, tz: ZoneInfo) -> list[date]:
    """Every local day of the ``months`` full months before ``until_month``."""
    y, m = until_month.year, until_month.month - months
    while m <= 0:
        y, m = y - 1, m + 12
    day = date(y, m, 1)
    out = []
    while day < until_month:
        out.append(day)
        day += timedelta(days=1)
    return out


def day_volume(day: date, per_day: float, rng: random.Random) -> int:
    weekend = 0.88 if day.weekday() >= 5 else 1.0
    trend = 1.0 + 0.02 * math.sin(day.toordinal() / 58.0)
    return max(1, round(rng.gauss(per_day * SEASON[day.month] * weekend * trend, per_day * 0.06)))


def category_mix(month: int) -> tuple[list[str], list[float]]:
    """Categories and their cumulative weights in a month (for ``rng.choices``)."""
    mix = dict(CATEGORY_MIX)
    if month in (12, 1, 2, 3):
        mix["fire"] *= 1.6  # dry season
    if month in (1, 2, 10):
        mix["traffic"] *= 1.3  # Spring Festival and National Day travel
    return list(mix), list(accumulate(mix.values()))


@dataclass
class Ids:
    case: int
    contact: int
    instruction: int
    event: int
    rating: int
    escalation: int
    step: int


@dataclass
class Batch:
    cases: list[dict[str, Any]] = field(default_factory=list)
    contacts: list[dict[str, Any]] = field(default_factory=list)
    instructions: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    ratings: list[dict[str, Any]] = field(default_factory=list)
    escalations: list[dict[str, Any]] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)


def phone_for(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"


def digest(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()


Generate = Callable[[date, Batch], None]
