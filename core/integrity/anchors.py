"""Daily anchors: per UTC day and log, the number of rows and a digest of their
hashes, each anchor chained to the previous one of its log.

A chain alone cannot show that its last events were deleted, nor that someone with
write access recomputed every hash after an edit. An anchor fixes a whole day: the
count and digest change if any row of that day goes, comes or changes. Anchors are
written for complete days only (``liandong audit anchor``, daily from cron or the
scheduler) and their hashes are printed so a copy can be kept off this database
(mailed, printed, or signed by the discipline inspection office).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.tables import AuditRow
from core.cases.tables import CaseEventRow
from core.integrity.tables import LogAnchorRow
from core.storage.chain import GENESIS, link
from core.storage.engine import Database

LOGS = ("case_events", "audit_log")


def _bounds(day: str) -> tuple[datetime, datetime]:
    start = datetime.combine(date.fromisoformat(day), datetime.min.time(), tzinfo=UTC)
    return start, start + timedelta(days=1)


async def day_digest(s: AsyncSession, log: str, day: str) -> tuple[int, str]:
    """(rows, SHA-256 over their hashes in chain order) of one UTC day of a log."""
    start, end = _bounds(day)
    if log == "case_events":
        e = CaseEventRow
        q = select(e.hash).where(e.at >= start, e.at < end).order_by(e.case_id, e.seq)
    else:
        q = (
            select(AuditRow.hash)
            .where(AuditRow.at >= start, AuditRow.at < end)
            .order_by(AuditRow.id)
        )
    h = hashlib.sha256()
    count = 0
    for (row_hash,) in await s.execute(q):
        h.update((row_hash or "-").encode("ascii") + b"\n")
        count += 1
    return count, h.hexdigest()


def anchor_hash(prev: str, log: str, day: str, rows: int, digest: str) -> str:
    return link(prev, {"log": log, "day": day, "rows": rows, "digest": digest})


async def _first_day(s: AsyncSession, log: str) -> date | None:
    col = CaseEventRow.at if log == "case_events" else AuditRow.at
    first = await s.scalar(select(func.min(col)))
    return first.astimezone(UTC).date() if first is not None else None


async def anchor_days(db: Database, today: date) -> list[LogAnchorRow]:
    """Anchor every complete day (before ``today``, UTC) not anchored yet."""
    made: list[LogAnchorRow] = []
    async with db.session() as s:
        for log in LOGS:
            last = await s.scalar(
                select(LogAnchorRow)
                .where(LogAnchorRow.log == log)
                .order_by(LogAnchorRow.id.desc())
                .limit(1)
            )
            if last is not None:
                day: date | None = date.fromisoformat(last.day) + timedelta(days=1)
                prev = last.hash
            else:
                day, prev = await _first_day(s, log), GENESIS
            while day is not None and day < today:
                key = day.isoformat()
                rows, digest = await day_digest(s, log, key)
                row = LogAnchorRow(
                    log=log,
                    day=key,
                    rows=rows,
                    digest=digest,
                    prev_hash=prev,
                    hash=anchor_hash(prev, log, key, rows, digest),
                    at=datetime.now(UTC),
                )
                s.add(row)
                made.append(row)
                prev = row.hash
                day += timedelta(days=1)
    return made
