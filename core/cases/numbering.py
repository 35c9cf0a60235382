"""Human case numbers: ``<PREFIX>-<YYYYMMDD>-<NNNNN>`` in the center's local day."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite

from core.cases.tables import CaseCounterRow

NUMBER_RE = re.compile(r"^[A-Z]{2,6}-\d{8}-\d{5,}$")


def local_day(now: datetime, timezone: str) -> str:
    return now.astimezone(ZoneInfo(timezone)).strftime("%Y%m%d")


def format_number(prefix: str, day: str, seq: int) -> str:
    return f"{prefix}-{day}-{seq:05d}"


def next_numbers(conn: Connection, prefix: str, day: str, n: int) -> list[str]:
    """Take ``n`` consecutive numbers of ``day`` with one upsert (a batch of intakes),
    inside the caller's transaction so a rolled-back batch burns no numbers. The
    counter row stays locked until that transaction ends (row lock on PostgreSQL,
    the write lock on SQLite), which is what makes the numbers gapless."""
    dialect = conn.dialect.name
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(CaseCounterRow)
    stmt = (
        ins.values(day=day, last=n)
        .on_conflict_do_update(
            index_elements=[CaseCounterRow.day], set_={"last": CaseCounterRow.last + n}
        )
        .returning(CaseCounterRow.last)
    )
    last = int(conn.execute(stmt).scalar_one())
    return [format_number(prefix, day, seq) for seq in range(last - n + 1, last + 1)]
