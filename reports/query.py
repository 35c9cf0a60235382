"""The report's figures as aggregate SQL, the same statements on SQLite and PostgreSQL.

Each query groups one period's rows by the unit they concern and returns counts;
nothing is fetched row by row. The units are then rolled up in Python: a grid's or a
village's counts belong to its township (the unit tree is ~2,400 rows, loaded once).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.cases.tables import CaseEventRow, CaseRow, ContactRow, InstructionRow
from core.escalation.tables import EscalationRow, EscalationStepRow
from core.orgmap.tables import UnitRow
from core.ratings.models import Source, Stage
from core.ratings.tables import FollowupSampleRow, RatingRow
from reports.figures import UnitFigures

Progress = Callable[[str], None]


@dataclass
class CityFigures:
    contacts: int = 0
    cases: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, int] = field(default_factory=dict)
    # stage → rating → count (IVR survey, follow-up calls, app stage ratings)
    stages: dict[str, dict[int, int]] = field(default_factory=dict)
    by_source: dict[str, int] = field(default_factory=dict)
    sample_picked: int = 0
    sample_done: int = 0


def _sum(cond: Any) -> Any:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


async def assessed_units(s: AsyncSession) -> tuple[dict[int, UnitFigures], dict[int, int]]:
    """Departments and township-level units, and every unit's assessed ancestor."""
    rows = (
        await s.execute(
            select(UnitRow.id, UnitRow.name, UnitRow.kind, UnitRow.subkind, UnitRow.parent_id)
        )
    ).all()
    parent = {r.id: r.parent_id for r in rows}
    kind = {r.id: r.kind for r in rows}
    figures = {
        r.id: UnitFigures(r.id, r.name, r.kind, r.subkind)
        for r in rows
        if r.kind in ("department", "township")
    }
    owner: dict[int, int] = {}
    for uid in parent:
        cur: int | None = uid
        while cur is not None and kind.get(cur) not in ("department", "township"):
            cur = parent.get(cur)
        if cur is not None:
            owner[uid] = cur
    return figures, owner


async def unit_figures(
    s: AsyncSession, start: datetime, end: datetime, progress: Progress | None = None
) -> list[UnitFigures]:
    step = progress or (lambda _: None)
    figures, owner = await assessed_units(s)

    def target(unit_id: Any) -> UnitFigures | None:
        uid = owner.get(int(unit_id)) if unit_id is not None else None
        return figures.get(uid) if uid is not None else None

    i = InstructionRow
    rows = await s.execute(
        select(
            i.unit_id,
            func.count(),
            _sum(and_(i.acknowledged_at.is_not(None), i.acknowledged_at <= i.ack_deadline)),
            _sum(and_(i.completed_at.is_not(None), i.completed_at <= i.done_deadline)),
            _sum(i.completed_at.is_not(None)),
            _sum(and_(i.state == "withdrawn", i.acknowledged_at.is_(None))),
        )
        .where(i.role == "lead", i.sent_at >= start, i.sent_at < end)
        .group_by(i.unit_id)
    )
    for unit_id, n, ack, done, completed, withdrawn in rows.all():
        if (u := target(unit_id)) is not None:
            u.volume += int(n)
            u.ack_on_time += int(ack)
            u.done_on_time += int(done)
            u.completed += int(completed)
            u.withdrawn_unacked += int(withdrawn)
    step("instructions")

    rows = await s.execute(
        select(CaseRow.township_id, func.count())
        .where(CaseRow.created_at >= start, CaseRow.created_at < end)
        .group_by(CaseRow.township_id)
    )
    for township_id, n in rows.all():
        if (u := target(township_id)) is not None:
            u.area_cases += int(n)
    step("cases")

    r = RatingRow
    rows = await s.execute(
        select(r.unit_id, r.rating, func.count())
        .where(
            r.stage == Stage.overall.value,
            r.source != Source.followup.value,
            r.rated_at >= start,
            r.rated_at < end,
        )
        .group_by(r.unit_id, r.rating)
    )
    for unit_id, rating, n in rows.all():
        if (u := target(unit_id)) is not None:
            u.rated += int(n)
            if rating == 1:
                u.satisfied += int(n)
            elif rating == 2:
                u.basically += int(n)
            else:
                u.dissatisfied += int(n)
    step("ratings")

    e = CaseEventRow
    for action, key, attr in (
        ("reopen", "lead_unit_id", "reopened"),
        ("return", "unit_id", "returns"),
    ):
        unit_expr = e.data[key].as_integer()
        rows = await s.execute(
            select(unit_expr, func.count())
            .where(e.action == action, e.at >= start, e.at < end)
            .group_by(unit_expr)
        )
        for unit_id, n in rows.all():
            if (u := target(unit_id)) is not None:
                setattr(u, attr, getattr(u, attr) + int(n))
    step("case log")

    st = EscalationStepRow
    rows = await s.execute(
        select(EscalationRow.unit_id, st.level, func.count())
        .join(EscalationRow, EscalationRow.id == st.escalation_id)
        .where(st.kind == "escalate", st.taken_at >= start, st.taken_at < end)
        .group_by(EscalationRow.unit_id, st.level)
    )
    for unit_id, level, n in rows.all():
        if (u := target(unit_id)) is not None:
            u.escalations[int(level)] = u.escalations.get(int(level), 0) + int(n)
    step("escalations")
    return sorted(figures.values(), key=lambda u: (u.kind, u.unit_id))


async def city_figures(
    s: AsyncSession, start: datetime, end: datetime, progress: Progress | None = None
) -> CityFigures:
    step = progress or (lambda _: None)
    city = CityFigures()
    c = ContactRow
    rows = await s.execute(
        select(c.channel, func.count())
        .where(c.received_at >= start, c.received_at < end)
        .group_by(c.channel)
    )
    city.by_channel = {ch: int(n) for ch, n in rows.all()}
    city.contacts = sum(city.by_channel.values())
    rows = await s.execute(
        select(CaseRow.category, func.count())
        .where(CaseRow.created_at >= start, CaseRow.created_at < end)
        .group_by(CaseRow.category)
    )
    city.by_category = {(cat or "unclassified"): int(n) for cat, n in rows.all()}
    city.cases = sum(city.by_category.values())
    step("contacts")
    r = RatingRow
    stage_rows = await s.execute(
        select(r.stage, r.rating, func.count())
        .where(r.rated_at >= start, r.rated_at < end)
        .group_by(r.stage, r.rating)
    )
    for stage, rating, n in stage_rows.all():
        city.stages.setdefault(stage, {})[int(rating)] = int(n)
    rows = await s.execute(
        select(r.source, func.count())
        .where(r.rated_at >= start, r.rated_at < end, r.stage == Stage.overall.value)
        .group_by(r.source)
    )
    city.by_source = {src: int(n) for src, n in rows.all()}
    f = FollowupSampleRow
    sample = (
        await s.execute(
            select(func.count(), _sum(f.state == "done")).where(
                f.picked_at >= start, f.picked_at < end
            )
        )
    ).one()
    city.sample_picked, city.sample_done = int(sample[0]), int(sample[1] or 0)
    step("stages")
    return city


async def monthly_series(
    s: AsyncSession, months: list[tuple[str, datetime, datetime]]
) -> list[dict[str, Any]]:
    """City-wide volume and the three rates per month (the trend charts)."""
    out = []
    i = InstructionRow
    r = RatingRow
    for label, start, end in months:
        n, ack, done = (
            await s.execute(
                select(
                    func.count(),
                    _sum(and_(i.acknowledged_at.is_not(None), i.acknowledged_at <= i.ack_deadline)),
                    _sum(and_(i.completed_at.is_not(None), i.completed_at <= i.done_deadline)),
                ).where(i.role == "lead", i.sent_at >= start, i.sent_at < end)
            )
        ).one()
        rated, good = (
            await s.execute(
                select(func.count(), _sum(r.rating <= 2)).where(
                    r.stage == Stage.overall.value,
                    r.source != Source.followup.value,
                    r.rated_at >= start,
                    r.rated_at < end,
                )
            )
        ).one()
        n, ack, done, rated, good = (int(x or 0) for x in (n, ack, done, rated, good))
        out.append(
            {
                "month": label,
                "volume": n,
                "ack_rate": ack / n if n else None,
                "done_rate": done / n if n else None,
                "satisfaction": good / rated if rated else None,
            }
        )
    return out


__all__ = ["CityFigures", "city_figures", "monthly_series", "unit_figures"]
