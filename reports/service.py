"""ReportService: one assessment report (monthly notice, quarterly assessment, annual
review) for a period, as plain data the renderers (xlsx, pdf, html) and the API share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from core.clock import Clock
from core.escalation.ladder import LEVEL_LABELS, Level
from core.ratings.models import RATING_LABELS, STAGE_LABELS, Rating, Stage
from core.storage.engine import Database
from core.worktime.periods import KIND_LABELS, Period, month_period, parse_period
from reports.figures import UnitFigures, assess
from reports.query import CityFigures, city_figures, monthly_series, unit_figures
from reports.settings import ReportSettings

# What the progress callback is told, in order (the CLI's progress bar counts these).
STEPS = ("instructions", "cases", "ratings", "case log", "escalations", "contacts", "stages",
         "trend")  # fmt: skip
LEVELS = (Level.unit_head, Level.deputy_mayor, Level.principal, Level.discipline)

# The definitions printed with every report (reports.figures explains them in English).
DEFINITIONS = (
    "承办量：统计期内派给该单位（乡镇含其村、网格）的主办指令数。",
    "按时签收率：承办指令中在签收时限内签收的比例。",
    "按时办结率：承办指令中在办结时限内办结的比例。",
    "满意率：统计期内群众对该单位办结工单的总体评价中，满意与基本满意之和占评价总数的比例（回访抽查另行分析）。",
    "重办：因群众不满意等原因重新交办该单位的工单数。",
    "督办1-4级：R12问责链逐级推送单位主要领导、分管副市级领导、市委市政府主要领导、移送纪检监察的次数。",
    "推诿次数：退单次数，加上被改派前一直未签收的指令数。",
    "综合得分：三率加权平均（签收30%、办结40%、满意30%，缺项按其余项折算）×100，部门、乡镇分别排名。",
    "点名通报：乡镇满意率低于全市乡镇平均水平，且处于后十名（并列者一并计入）。",
)


@dataclass
class Report:
    center: str
    period: Period
    generated_at: datetime
    units: list[UnitFigures]
    city: CityFigures
    average: float | None  # the city average the naming rule compared with
    flag_metric: str
    bottom_n: int
    trend: list[dict[str, Any]] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"{self.center}{self.period.title}{KIND_LABELS[self.period.kind]}"

    def group(self, kind: str) -> list[UnitFigures]:
        """A group's units by rank (unranked last, then by name)."""
        units = [u for u in self.units if u.kind == kind]
        return sorted(units, key=lambda u: (u.rank is None, u.rank or 0, u.name))

    @property
    def flagged(self) -> list[UnitFigures]:
        return [u for u in self.group("township") if u.flagged]

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "kind": self.period.kind.value,
            "period": self.period.label,
            "start": self.period.start.isoformat(),
            "end": self.period.end.isoformat(),
            "generated_at": self.generated_at.isoformat(),
            "city": {
                "contacts": self.city.contacts,
                "cases": self.city.cases,
                "by_channel": self.city.by_channel,
                "by_category": self.city.by_category,
                "ratings_by_source": self.city.by_source,
                "stages": {
                    st: {RATING_LABELS[Rating(k)]: v for k, v in sorted(d.items())}
                    for st, d in self.city.stages.items()
                },
                "followup_sample": {
                    "picked": self.city.sample_picked,
                    "done": self.city.sample_done,
                },
            },
            "average": self.average,
            "flag_metric": self.flag_metric,
            "bottom_n": self.bottom_n,
            "units": [unit_json(u) for u in self.units],
            "flagged": [u.name for u in self.flagged],
            "trend": self.trend,
        }


def unit_json(u: UnitFigures) -> dict[str, Any]:
    return {
        "unit_id": u.unit_id,
        "name": u.name,
        "kind": u.kind,
        "volume": u.volume,
        "area_cases": u.area_cases,
        "ack_on_time": u.ack_on_time,
        "ack_rate": u.ack_rate,
        "done_on_time": u.done_on_time,
        "done_rate": u.done_rate,
        "rated": u.rated,
        "satisfied": u.satisfied,
        "basically": u.basically,
        "dissatisfied": u.dissatisfied,
        "satisfaction": u.satisfaction,
        "reopened": u.reopened,
        "escalations": {str(int(lv)): u.escalations.get(int(lv), 0) for lv in LEVELS},
        "returns": u.returns,
        "withdrawn_unacked": u.withdrawn_unacked,
        "strikes": u.strikes,
        "score": u.score,
        "rank": u.rank,
        "flagged": u.flagged,
    }


def stage_label(stage: str) -> str:
    try:
        return STAGE_LABELS[Stage(stage)]
    except ValueError:
        return stage


def level_label(level: Level) -> str:
    return f"{int(level)}级·{LEVEL_LABELS[level]}"


class ReportService:
    def __init__(
        self,
        db: Database,
        settings: ReportSettings,
        *,
        center: str,
        timezone: str,
        clock: Clock = lambda: datetime.now(UTC),
    ) -> None:
        self.db = db
        self.settings = settings
        self.center = center
        self.timezone = timezone
        self.clock = clock

    def period(self, kind: str, label: str) -> Period:
        return parse_period(kind, label, self.timezone)

    async def build(
        self, kind: str, label: str, progress: Callable[[str], None] | None = None
    ) -> Report:
        period = self.period(kind, label)
        step = progress or (lambda _: None)
        # One read transaction, so every figure describes the same snapshot; reads only,
        # so it does not queue behind this process's SQLite writers.
        async with self.db.sessionmaker() as s:
            units = await unit_figures(s, period.start, period.end, step)
            city = await city_figures(s, period.start, period.end, step)
            months = [month_period(m, self.timezone) for m in period.months]
            trend = await monthly_series(s, [(m.label, m.start, m.end) for m in months])
            step("trend")
        st = self.settings
        average = assess(
            units,
            (st.weight_ack, st.weight_done, st.weight_satisfaction),
            bottom_n=st.bottom_n,
            flag_metric=st.flag_metric,
        )
        return Report(
            self.center, period, self.clock(), units, city, average, st.flag_metric,
            st.bottom_n, trend,
        )  # fmt: skip
