"""Tamper evidence's cost: ``liandong audit verify`` against plainly reading the same
rows, and a chained audit-log append against a plain insert (SQLite, one process).

    .venv/bin/python benchmarks/audit_bench.py [--events 50000] [--appends 2000] [--json]

Figures are ratios to a baseline measured in the same run (README, "Security").
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import _common as c
from sqlalchemy import insert, select

from core.auth.service import AuthService
from core.auth.settings import AuthSettings
from core.auth.tables import AuditRow
from core.cases.tables import CaseEventRow, CaseRow
from core.clock import utc_clock
from core.integrity.verify import verify_all
from core.storage.chain import seal_events
from core.storage.engine import Database
from core.storage.settings import DatabaseSettings
from liandong.migrate import upgrade

PER_CASE = 8


async def _fill(db: Database, events: int) -> None:
    cases = events // PER_CASE
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    async with db.session() as s:
        await s.execute(insert(CaseRow), [
            {"id": i, "number": f"QX-B-{i:06d}", "state": "received", "summary": "路灯坏了",
             "created_at": t0, "updated_at": t0, "version": PER_CASE}
            for i in range(1, cases + 1)
        ])  # fmt: skip
        rows = [
            {"case_id": i, "seq": k, "at": t0 + timedelta(seconds=i * 10 + k), "actor": "bench",
             "action": "note", "before": {}, "after": {}, "data": {"note": f"第{k}次跟进"}}
            for i in range(1, cases + 1) for k in range(1, PER_CASE + 1)
        ]  # fmt: skip
        seal_events(rows)
        await s.execute(insert(CaseEventRow), rows)


async def _plain_read(db: Database) -> int:
    n = 0
    async with db.engine.connect() as conn:
        result = await conn.stream(
            select(CaseEventRow).order_by(CaseEventRow.case_id, CaseEventRow.seq)
        )
        async for _row in result:
            n += 1
    return n


async def run(events: int, appends: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp}/bench.db"))
        try:
            await upgrade(db)
            c.log(f"writing {events:,} chained case-log events …")
            await _fill(db, events)
            t = time.perf_counter()
            read = await _plain_read(db)
            base_read = time.perf_counter() - t
            t = time.perf_counter()
            report = await verify_all(db)
            verify_s = time.perf_counter() - t
            if not report.ok or report.events != read:
                raise SystemExit(f"verify disagrees with the data: {report.summary()}")

            auth = AuthService(db, AuthSettings(), demo_allowed=True, clock=utc_clock)
            t = time.perf_counter()
            for i in range(appends):
                async with db.session() as s:
                    s.add(AuditRow(at=utc_clock(), actor="bench", action="case.view",
                                   target=f"QX-{i}", details={}))  # fmt: skip
            base_append = time.perf_counter() - t
            t = time.perf_counter()
            for i in range(appends):
                await auth.audit("bench", "case.view", target=f"QX-{i}")
            chained_append = time.perf_counter() - t
        finally:
            await db.close()
    return {
        "events": read,
        "plain_read_s": base_read,
        "verify_s": verify_s,
        "verify_events_per_s": read / verify_s,
        "verify_vs_read": c.ratio(verify_s, base_read),
        "appends": appends,
        "plain_append_ms": 1000 * base_append / appends,
        "chained_append_ms": 1000 * chained_append / appends,
        "append_vs_plain": c.ratio(chained_append, base_append),
        "load_1m": os.getloadavg()[0],
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--events", type=int, default=50_000)
    p.add_argument("--appends", type=int, default=2_000)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    rep = asyncio.run(run(args.events, args.appends))
    if args.json:
        print(json.dumps(c.json_safe(rep)))
        return
    print(
        f"verify: {rep['events']:,} events in {c.fmt(rep['verify_s'], 2)} s "
        f"({c.fmt(rep['verify_events_per_s'], 0)}/s), {c.fmt(rep['verify_vs_read'], 2)}x a "
        f"plain read ({c.fmt(rep['plain_read_s'], 2)} s)\n"
        f"audit append: {c.fmt(rep['chained_append_ms'], 2)} ms chained vs "
        f"{c.fmt(rep['plain_append_ms'], 2)} ms plain ({c.fmt(rep['append_vs_plain'], 2)}x)\n"
        f"load average (1 min): {c.fmt(rep['load_1m'], 2)}"
    )


if __name__ == "__main__":
    main()
