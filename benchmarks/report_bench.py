"""Assessment reports: a monthly report over a year of history (>= 1,000,000 contacts)
in <= 10 s, on SQLite and on PostgreSQL.

Setup (per database, cached between runs under var/bench/ for SQLite and as database
``ld_bench_report`` on PostgreSQL unless --fresh): migrate, seed the Qianxi org map,
then ``liandong demo history`` for the 12 months before --until at a daily rate that
gives --contacts contacts (bulk: executemany on SQLite, COPY on PostgreSQL). The
generation time and rows/s are printed when the history is (re)generated.

Subject: ``ReportService.build("monthly", <last month>)`` — every figure of every
department and township — plus rendering it as XLSX (what `liandong report` does),
best of --repeat runs.

Same-run baseline: one hand-written SQL aggregate over the same data — the lead
instructions of that month grouped by unit with the on-time counts — run on the raw
driver (sqlite3 / asyncpg). The ratio report ÷ baseline says what the whole report
costs against the cheapest query that touches the month's instructions once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import time
from datetime import date
from pathlib import Path
from typing import Any

import _common as c
import asyncpg
from sqlalchemy import func, select

from core.cases.tables import ContactRow
from core.orgmap.demo import seed_demo
from core.storage.engine import Database
from core.worktime.periods import month_period
from liandong.demo.history_run import generate_history
from liandong.migrate import upgrade
from liandong.settings import DatabaseSettings, Settings
from reports.service import ReportService
from reports.xlsx import render_xlsx

TARGET_S = 10.0
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "ld_bench_report"
BASELINE = """SELECT unit_id, COUNT(*),
  SUM(CASE WHEN acknowledged_at IS NOT NULL AND acknowledged_at <= ack_deadline THEN 1 ELSE 0 END),
  SUM(CASE WHEN completed_at IS NOT NULL AND completed_at <= done_deadline THEN 1 ELSE 0 END)
FROM instructions WHERE role = 'lead' AND sent_at >= {a} AND sent_at < {b} GROUP BY unit_id"""


async def contacts(db: Database) -> int:
    async with db.sessionmaker() as s:
        return int(await s.scalar(select(func.count()).select_from(ContactRow)) or 0)


async def prepare(url: str, args: argparse.Namespace) -> dict[str, Any]:
    db = Database(DatabaseSettings(url=url))
    try:
        await upgrade(db)
        have = await contacts(db)
        if have >= args.contacts:
            c.log(f"reusing {have:,} contacts already in {url.split('@')[-1]}")
            return {"contacts": have, "generated": False}
        await seed_demo(db)
        settings = Settings(database=DatabaseSettings(url=url))
        if have:
            raise SystemExit(f"{have:,} contacts there, fewer than --contacts: use --fresh")
        per_day = args.contacts / 365 * 1.04  # seasonality and weekends average ~0.975
        c.log(f"generating 12 months at {per_day:,.0f} contacts/day …")
        started = time.perf_counter()
        result = await generate_history(
            settings, db, months=12, per_day=per_day, until=args.until,
            progress=lambda d, t: c.log(f"  {d}/{t} days"),
        )  # fmt: skip
        seconds = time.perf_counter() - started
        rows = sum(result.counts.values())
        return {
            "contacts": await contacts(db),
            "generated": True,
            "generate_s": round(seconds, 1),
            "rows": rows,
            "rows_per_s": round(rows / seconds),
        }
    finally:
        await db.close()


async def measure(url: str, month: str, repeat: int) -> dict[str, float]:
    db = Database(DatabaseSettings(url=url))
    service = ReportService(db, Settings().reports, center="黔西市", timezone="Asia/Shanghai")
    best = best_build = float("inf")
    try:
        for _ in range(repeat):
            t0 = time.perf_counter()
            report = await service.build("monthly", month)
            t1 = time.perf_counter()
            render_xlsx(report)
            t2 = time.perf_counter()
            best, best_build = min(best, t2 - t0), min(best_build, t1 - t0)
    finally:
        await db.close()
    return {"report_s": best, "build_s": best_build, "units": float(len(report.units))}


def baseline_sqlite(path: str, month: str, repeat: int) -> float:
    p = month_period(month)
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    sql = BASELINE.format(a="?", b="?")
    conn = sqlite3.connect(path)
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        conn.execute(sql, (p.start.strftime(fmt), p.end.strftime(fmt))).fetchall()
        best = min(best, time.perf_counter() - t0)
    conn.close()
    return best


async def baseline_pg(dsn: str, month: str, repeat: int) -> float:
    p = month_period(month)
    conn = await asyncpg.connect(dsn)
    best = float("inf")
    try:
        for _ in range(repeat):
            t0 = time.perf_counter()
            await conn.fetch(BASELINE.format(a="$1", b="$2"), p.start, p.end)
            best = min(best, time.perf_counter() - t0)
    finally:
        await conn.close()
    return best


def sqlite_file(path: Path, *, fresh: bool) -> Path:
    path = path.resolve()
    if fresh:
        for f in path.parent.glob(path.name + "*"):
            f.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


async def run_backend(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    month = f"{args.until.year - (args.until.month == 1)}-{(args.until.month - 2) % 12 + 1:02d}"
    if backend == "sqlite":
        path = args.sqlite_file
        url = f"sqlite+aiosqlite:///{path}"
        setup = await prepare(url, args)
        base = baseline_sqlite(str(path), month, args.repeat)
    else:
        dsn, url = await c.bench_database(args.pg_url, PG_DB, fresh=args.fresh)
        setup = await prepare(url, args)
        conn = await asyncpg.connect(dsn)
        await conn.execute("ANALYZE")
        await conn.close()
        base = await baseline_pg(dsn, month, args.repeat)
    figures = await measure(url, month, args.repeat)
    return {
        "backend": backend,
        "month": month,
        **setup,
        **figures,
        "baseline_s": base,
        "ratio": c.ratio(figures["report_s"], base),
        "pass": figures["report_s"] <= TARGET_S and setup["contacts"] >= 1_000_000,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--contacts", type=int, default=1_000_000)
    p.add_argument("--until", type=date.fromisoformat, default=date(2026, 11, 1),
                   help="first day of the month after the history (YYYY-MM-01)")  # fmt: skip
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--fresh", action="store_true", help="regenerate the history")
    p.add_argument("--sqlite-path", default=str(c.REPO / "var" / "bench" / "report.db"))
    p.add_argument("--pg-url", default=DEFAULT_PG)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    if "sqlite" in backends:
        args.sqlite_file = sqlite_file(Path(args.sqlite_path), fresh=args.fresh)
    results = [asyncio.run(run_backend(b, args)) for b in backends]
    if args.json:
        print(json.dumps(c.json_safe(results)))
        return
    for r in results:
        gen = (
            f"generated in {r['generate_s']} s ({r['rows']:,} rows, {r['rows_per_s']:,}/s)"
            if r["generated"]
            else "history reused"
        )
        print(
            f"{r['backend']:<8} monthly report {r['month']} over {r['contacts']:,} contacts: "
            f"{c.fmt(r['report_s'], 2)} s (figures {c.fmt(r['build_s'], 2)} s, "
            f"{int(r['units'])} units) vs one hand-written aggregate "
            f"{c.fmt(r['baseline_s'] * 1000, 1)} ms = {c.fmt(r['ratio'], 1)}x; "
            f"target <= {TARGET_S:.0f} s: {c.verdict(r['pass'])}; {gen}"
        )


if __name__ == "__main__":
    main()
