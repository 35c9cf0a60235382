"""Fast bulk inserts for generated history: plain DBAPI ``executemany`` on SQLite
(one prepared statement, values pre-formatted as SQLAlchemy would store them) and
``COPY`` (asyncpg ``copy_records_to_table``) on PostgreSQL.

Rows are given as dicts keyed by column name; columns a dict leaves out take the
column's Python-side default (or NULL), so a column another package adds later with
a default does not break the generator.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, text

from core.storage.engine import Database

CACHE_KIB = 512 * 1024  # SQLite page cache of the bulk writer's connection


def _default(col: Any) -> Any:
    d = col.default
    if d is None:
        return None
    if d.is_callable:
        return d.arg(None)
    return d.arg if d.is_scalar else None


def _json_column(col: Any) -> bool:
    return bool(col.type.__class__.__name__ == "JSON")


def _datetime_column(col: Any) -> bool:
    return bool(col.type.__class__.__name__ in ("UTCDateTime", "DateTime"))


class BulkWriter:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.dialect = db.dialect

    def _records(self, table: Table, rows: Sequence[dict[str, Any]]) -> list[tuple[Any, ...]]:
        sqlite = self.dialect == "sqlite"
        encode = json.JSONEncoder(ensure_ascii=False).encode  # one encoder, not one per value

        def as_json(v: Any) -> Any:
            return None if v is None else (("[]" if isinstance(v, list) else "{}") if not v
                                           else encode(v))  # fmt: skip

        def as_text(v: Any) -> Any:
            # SQLAlchemy stores SQLite DATETIME as "YYYY-MM-DD HH:MM:SS.ffffff" (UTC here).
            # Generated values are UTC already; others are converted first.
            if v is None:
                return None
            if v.utcoffset():
                v = v.astimezone(UTC)
            return v.isoformat(" ", "microseconds")[:26]

        plan = []
        for col in table.columns:
            conv = None
            if _json_column(col):
                conv = as_json
            elif _datetime_column(col) and sqlite:
                conv = as_text
            plan.append((col.name, _default(col), conv))
        out: list[tuple[Any, ...]] = []
        append = out.append
        for row in rows:
            get = row.get
            append(tuple(
                (conv(get(name, d)) if conv else get(name, d)) for name, d, conv in plan
            ))  # fmt: skip
        return out

    async def insert(self, table: Table, rows: Sequence[dict[str, Any]]) -> int:
        if not rows:
            return 0
        names = [c.name for c in table.columns]
        if self.dialect == "postgresql":
            records = self._records(table, rows)
            async with self.db.engine.begin() as conn:
                raw = await conn.get_raw_connection()
                pg = raw.driver_connection
                if pg is None:
                    raise RuntimeError("no asyncpg connection under the engine")
                await pg.copy_records_to_table(table.name, records=records, columns=names)
            return len(records)
        sql = (
            f"INSERT INTO {table.name} ({', '.join(names)}) "  # noqa: S608 - our table names
            f"VALUES ({', '.join('?' for _ in names)})"
        )

        # Converted in a thread (the caller generates the next batch meanwhile) but
        # before the transaction: SQLite has one writer, and every other process's
        # transaction (reads included: BEGIN IMMEDIATE) waits while this one holds it.
        records = await asyncio.to_thread(self._records, table, rows)

        def _run(conn: Any) -> None:
            # sqlite3 releases the GIL while it steps. A large page cache keeps the
            # indexes of million-row tables in memory while they grow.
            raw = conn.connection.driver_connection
            raw.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            raw.executemany(sql, records)

        await self.db.run_transaction(_run)
        return len(rows)

    async def max_id(self, table: Table) -> int:
        async with self.db.sessionmaker() as s:
            value = await s.scalar(text(f"SELECT MAX(id) FROM {table.name}"))  # noqa: S608
        return int(value or 0)

    async def fix_sequences(self, tables: Sequence[Table]) -> None:
        """PostgreSQL serials do not see explicit ids: move them past the new rows."""
        if self.dialect != "postgresql":
            return  # SQLite's AUTOINCREMENT follows the largest id inserted
        async with self.db.engine.begin() as conn:
            for t in tables:
                await conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{t.name}', 'id'), "  # noqa: S608
                        f"(SELECT COALESCE(MAX(id), 1) FROM {t.name}))"
                    )
                )


def utc(dt: datetime) -> datetime:
    return dt.astimezone(UTC)
