"""``liandong demo history``: generate months of history and bulk-insert them."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, func, select

from channels.tables import ChannelCursorRow
from core.cases.tables import (
    CaseCounterRow,
    CaseEventRow,
    CaseRow,
    ContactRow,
    InstructionRow,
)
from core.escalation.tables import EscalationRow, EscalationStepRow
from core.ratings.tables import RatingRow
from core.storage.chain import seal_events
from core.storage.engine import Database
from feedback.service import CURSOR as FEEDBACK_CURSOR
from feedback.tables import FeedbackCursorRow
from liandong.demo.history import ACTOR, SEED, Batch, Ids, day_volume, load_units, local_days
from liandong.demo.history_cases import CaseFactory
from liandong.errors import HistoryPresent
from liandong.settings import Settings
from reports.bulk import BulkWriter

NOTICES_CURSOR = "notices:case_events"  # channels.notices.CURSOR
_META = CaseRow.metadata.tables
TABLES: dict[str, Table] = {
    key: _META[row.__tablename__]
    for key, row in (
        ("cases", CaseRow),
        ("contacts", ContactRow),
        ("instructions", InstructionRow),
        ("events", CaseEventRow),
        ("escalations", EscalationRow),
        ("steps", EscalationStepRow),
        ("ratings", RatingRow),
    )
}


@dataclass
class HistoryResult:
    months: int
    days: int
    counts: dict[str, int]
    seconds: float


def default_until(tz: ZoneInfo, now: datetime | None = None) -> date:
    today = (now or datetime.now(UTC)).astimezone(tz).date()
    return date(today.year, today.month, 1)


async def generate_history(
    settings: Settings,
    db: Database,
    *,
    months: int,
    per_day: float,
    until: date | None = None,
    seed: int = SEED,
    progress: Callable[[int, int], None] | None = None,
) -> HistoryResult:
    """Write ``months`` full months of history before ``until`` (default: this month).
    Deterministic for a seed; refuses when history (or any case) already exists on
    those days, since the case log cannot be deleted."""
    started = time.perf_counter()
    tz = ZoneInfo(settings.cases.timezone)
    until = until or default_until(tz)
    days = local_days(until, months, tz)
    writer = BulkWriter(db)
    async with db.sessionmaker() as s:
        if await s.scalar(select(ContactRow.id).where(ContactRow.created_by == ACTOR).limit(1)):
            raise HistoryPresent("演示历史数据已存在", details={"hint": "use a fresh database"})
        keys = [f"{d:%Y%m%d}" for d in days]
        clash = await s.scalar(
            select(func.count()).select_from(CaseCounterRow).where(CaseCounterRow.day.in_(keys))
        )
        if clash:
            raise HistoryPresent("这些日期已有工单", details={"days_with_cases": int(clash)})
        townships, departments = await load_units(s, seed)
    ids = Ids(*[await writer.max_id(TABLES[k]) for k in
                ("cases", "contacts", "instructions", "events", "ratings", "escalations",
                 "steps")])  # fmt: skip
    first_event = ids.event + 1
    factory = CaseFactory(townships, departments, ids, settings.cases.number_prefix, tz, seed)
    counts = dict.fromkeys(TABLES, 0)
    volume_rng = random.Random(f"{seed}:volume")
    by_month: dict[str, list[date]] = {}
    for d in days:
        by_month.setdefault(f"{d:%Y-%m}", []).append(d)
    done = 0
    pending: asyncio.Task[None] | None = None
    for month_days in by_month.values():
        batch = Batch()
        for d in month_days:
            factory.day(d, day_volume(d, per_day, volume_rng), batch)
            done += 1
        # Write this month while the next one is generated (one write at a time).
        if pending is not None:
            await pending
        pending = asyncio.create_task(_write(writer, batch, counts))
        await asyncio.sleep(0)
        if progress:
            progress(done, len(days))
    if pending is not None:
        await pending
    await writer.fix_sequences(list(TABLES.values()))
    await _move_cursors(db, first_event, ids.event)
    return HistoryResult(months, len(days), counts, time.perf_counter() - started)


async def _write(writer: BulkWriter, b: Batch, counts: dict[str, int]) -> None:
    seal_events(b.events)  # every generated case is new: its chain starts here
    for key in ("cases", "contacts", "instructions", "events", "escalations", "steps", "ratings"):
        rows: list[dict[str, Any]] = getattr(b, key)
        counts[key] += await writer.insert(TABLES[key], rows)
    await writer.insert(
        _META[CaseCounterRow.__tablename__],
        [{"day": k, "last": v} for k, v in b.counters.items()],
    )


async def _move_cursors(db: Database, first: int, last: int) -> None:
    """History is the past: no citizen is notified, nothing is re-rated."""
    now = datetime.now(UTC)
    async with db.session() as s:
        fb = await s.get(FeedbackCursorRow, FEEDBACK_CURSOR)
        if fb is None:
            s.add(FeedbackCursorRow(name=FEEDBACK_CURSOR, value=last, updated_at=now))
        elif fb.value >= first - 1:
            fb.value, fb.updated_at = max(fb.value, last), now
        nc = await s.get(ChannelCursorRow, NOTICES_CURSOR)
        if nc is None:
            s.add(ChannelCursorRow(name=NOTICES_CURSOR, value=str(last), updated_at=now))
        elif int(nc.value) >= first - 1:
            nc.value, nc.updated_at = str(max(int(nc.value), last)), now
