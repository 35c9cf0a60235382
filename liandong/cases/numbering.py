"""Human case numbers: ``<PREFIX>-<YYYYMMDD>-<NNNNN>`` in the center's local day."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from liandong.cases.tables import CaseCounterRow

NUMBER_RE = re.compile(r"^[A-Z]{2,6}-\d{8}-\d{5,}$")


def local_day(now: datetime, timezone: str) -> str:
    return now.astimezone(ZoneInfo(timezone)).strftime("%Y%m%d")


def format_number(prefix: str, day: str, seq: int) -> str:
    return f"{prefix}-{day}-{seq:05d}"


async def next_number(session: AsyncSession, prefix: str, day: str) -> str:
    """Take the next number of ``day`` atomically (one upsert, row-locked on PostgreSQL,
    serialised by the write lock on SQLite), inside the caller's transaction so a
    rolled-back intake does not burn the number."""
    dialect = session.get_bind().dialect.name
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(CaseCounterRow)
    stmt = (
        ins.values(day=day, last=1)
        .on_conflict_do_update(
            index_elements=[CaseCounterRow.day], set_={"last": CaseCounterRow.last + 1}
        )
        .returning(CaseCounterRow.last)
    )
    seq = (await session.execute(stmt)).scalar_one()
    return format_number(prefix, day, seq)
