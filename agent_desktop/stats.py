"""Figures for the supervisor view and the big screen (R13): today's counts by
channel, hotline, category and township; deadlines; escalations; satisfaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.cases.instructions_api import OPEN
from core.cases.masking import mask_phone
from core.cases.tables import CaseEventRow, CaseRow, ContactRow, InstructionRow
from core.escalation.ladder import LEVEL_LABELS, Level
from core.escalation.tables import EscalationRow
from core.orgmap.tables import UnitRow

# An open instruction with less than this share of its time left is "due soon".
DUE_SOON_SHARE = 0.25
MAP_POINTS = 1000
RATING_LABELS = {1: "满意", 2: "基本满意", 3: "不满意"}


def day_start(now: datetime, tz: str) -> datetime:
    local = now.astimezone(ZoneInfo(tz))
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def _naive_ok(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=UTC)


async def _grouped(s: AsyncSession, column: Any, since: datetime, base: Any) -> dict[str, int]:
    rows = await s.execute(
        select(column, func.count())
        .select_from(base)
        .where(since_filter(base, since))
        .group_by(column)
    )
    return {str(k) if k is not None else "": int(n) for k, n in rows}


def since_filter(base: Any, since: datetime) -> Any:
    return (ContactRow.received_at if base is ContactRow else CaseRow.created_at) >= since


async def dashboard(s: AsyncSession, now: datetime, tz: str) -> dict[str, Any]:
    since = day_start(now, tz)
    by_channel = await _grouped(s, ContactRow.channel, since, ContactRow)
    by_hotline = await _grouped(s, ContactRow.hotline, since, ContactRow)
    by_hotline.pop("", None)
    by_category = await _grouped(s, CaseRow.category, since, CaseRow)
    by_state = await _grouped(s, CaseRow.state, since, CaseRow)
    township_rows = await s.execute(
        select(UnitRow.name, func.count())
        .select_from(CaseRow)
        .join(UnitRow, UnitRow.id == CaseRow.township_id)
        .where(CaseRow.created_at >= since)
        .group_by(UnitRow.name)
        .order_by(func.count().desc())
    )
    by_township = {str(n): int(k) for n, k in township_rows}

    open_rows = (
        await s.execute(
            select(InstructionRow, CaseRow.number, CaseRow.summary, UnitRow.name)
            .join(CaseRow, CaseRow.id == InstructionRow.case_id)
            .join(UnitRow, UnitRow.id == InstructionRow.unit_id)
            .where(InstructionRow.state.in_(OPEN))
            .order_by(InstructionRow.done_deadline)
        )
    ).all()
    deadline = {"on_time": 0, "due_soon": 0, "overdue": 0}
    overdue: list[dict[str, Any]] = []
    for ins, number, summary, unit in open_rows:
        due = _naive_ok(ins.ack_deadline if ins.state == "sent" else ins.done_deadline)
        start = _naive_ok(ins.sent_at)
        if now > due:
            deadline["overdue"] += 1
            if len(overdue) < 50:
                overdue.append(
                    {
                        "case_number": number,
                        # The big screen is public in the room: never a full number.
                        "summary": mask_phone(summary)[:60],
                        "unit": unit,
                        "state": ins.state,
                        "deadline": due,
                        "late_s": int((now - due).total_seconds()),
                    }
                )
        elif (due - now) < (due - start) * DUE_SOON_SHARE:
            deadline["due_soon"] += 1
        else:
            deadline["on_time"] += 1
    overdue.sort(key=lambda x: -x["late_s"])

    levels = await s.execute(
        select(EscalationRow.level, func.count())
        .where(EscalationRow.closed_reason.is_(None))
        .group_by(EscalationRow.level)
    )
    escalations = {int(lv): int(n) for lv, n in levels}
    ladder = [
        {"level": lv.value, "label": LEVEL_LABELS[lv], "count": escalations.get(lv.value, 0)}
        for lv in Level
    ]

    month = since - timedelta(days=30)
    ratings: dict[str, int] = {label: 0 for label in RATING_LABELS.values()}
    for data in await s.scalars(
        select(CaseEventRow.data).where(CaseEventRow.action == "evaluate", CaseEventRow.at >= month)
    ):
        label = RATING_LABELS.get(int((data or {}).get("rating", 0) or 0))
        if label:
            ratings[label] += 1
    rated = sum(ratings.values())
    satisfaction = {
        "ratings": ratings,
        "rated": rated,
        # 满意 counts fully, 基本满意 half: the center's usual satisfaction rate.
        "rate": round((ratings["满意"] + 0.5 * ratings["基本满意"]) / rated, 3) if rated else None,
    }

    points = [
        {"number": n, "lat": lat, "lon": lon, "category": cat, "emergency": em, "state": st}
        for n, lat, lon, cat, em, st in await s.execute(
            select(
                CaseRow.number, CaseRow.lat, CaseRow.lon, CaseRow.category, CaseRow.emergency,
                CaseRow.state,
            )
            .where(CaseRow.created_at >= since, CaseRow.lat.is_not(None))
            .order_by(CaseRow.id.desc())
            .limit(MAP_POINTS)
        )
    ]  # fmt: skip
    return {
        "since": since,
        "now": now,
        "contacts_today": sum(by_channel.values()),
        "cases_today": sum(by_category.values()),
        "by_channel": by_channel,
        "by_hotline": by_hotline,
        "by_category": by_category,
        "by_state": by_state,
        "by_township": by_township,
        "deadline": deadline,
        "open_instructions": len(open_rows),
        "overdue": overdue,
        "escalations": ladder,
        "satisfaction": satisfaction,
        "points": points,
    }
