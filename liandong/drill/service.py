"""One drill: the surge at a multiple of a city's peak, faults on a schedule, then the
reconciliation. Bounded in time and count whatever is asked; loopback only."""

from __future__ import annotations

import asyncio
import random
import secrets
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select

from core.auth.models import Role
from core.auth.service import AuthService
from core.auth.tables import UserRow
from core.clock import utc_clock
from core.orgmap.tables import UnitRow
from core.settings import Mode
from core.storage.engine import Database
from liandong.drill import calls, chaos, reconcile
from liandong.drill.errors import DrillRefused, PlatformUnreachable
from liandong.drill.traffic import CITY_PEAK_PER_S, MIX, Sent, Traffic
from liandong.settings import Settings

MAX_SEQ = 99_999  # the marker's phone number has five digits for it
IN_FLIGHT = 400  # requests outstanding at once; beyond that the surge waits
FAULT_WINDOW_S = 10.0  # contacts sent this long after a fault count as "during" it
Echo = Callable[[str], None]


def _check(settings: Settings, duration: float, rate: float, faults: list[str]) -> int:
    d = settings.drill
    if settings.mode is Mode.production:
        raise DrillRefused("a drill floods the queue: not in production mode")
    host = urlsplit(d.api_url).hostname or ""
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise DrillRefused("drills run against a loopback platform only", details={"host": host})
    if not 0 < duration <= d.max_duration_s or not 0 < rate <= d.max_rate:
        raise DrillRefused(
            "duration or rate out of bounds",
            details={"max_duration_s": d.max_duration_s, "max_rate": d.max_rate},
        )
    unknown = sorted(set(faults) - set(chaos.FAULTS))
    if unknown:
        raise DrillRefused("unknown chaos", details={"unknown": unknown, "known": chaos.FAULTS})
    total = round(duration * rate * CITY_PEAK_PER_S)
    if total > min(d.max_contacts, MAX_SEQ):
        raise DrillRefused("too many contacts for one drill", details={"planned": total})
    return max(1, total)


async def _drill_code(db: Database) -> int:
    """Three digits no earlier drill in this database used (markers stay unique)."""
    for _ in range(20):
        code = 100 + secrets.randbelow(900)
        h = await reconcile.held(db, code)
        if not h.cases:
            return code
    raise DrillRefused("no unused drill code left in this database")


async def _grid_worker(settings: Settings, db: Database) -> None:
    d = settings.drill
    async with db.session() as s:
        if await s.scalar(select(UserRow.id).where(UserRow.username == d.grid_user)):
            return
        grid = await s.scalar(select(UnitRow.id).where(UnitRow.kind == "grid").limit(1))
    if grid is None:
        raise DrillRefused("no grid in the org map (run `liandong demo seed`)")
    auth = AuthService(db, settings.auth, demo_allowed=True, clock=utc_clock)
    await auth.create_user(d.grid_user, d.grid_password.get_secret_value(), Role.unit_staff,
                           "演练网格员", unit_id=grid, demo=True)  # fmt: skip


async def run_drill(
    settings: Settings, duration: float, rate: float, faults: list[str], echo: Echo
) -> dict[str, Any]:
    total = _check(settings, duration, rate, faults)
    per_s = rate * CITY_PEAK_PER_S
    db = Database(settings.database)
    limits = httpx.Limits(max_connections=IN_FLIGHT, max_keepalive_connections=100)
    try:
        async with httpx.AsyncClient(
            base_url=settings.drill.api_url, timeout=30, limits=limits
        ) as client:
            try:
                (await client.get("/healthz")).raise_for_status()
            except httpx.HTTPError as exc:
                raise PlatformUnreachable(
                    f"the platform at {settings.drill.api_url} does not answer",
                    details={"error": type(exc).__name__},
                ) from exc
            code = await _drill_code(db)
            await _grid_worker(settings, db)
            # A reproducible traffic mix per drill code, not a secret.
            traffic = Traffic(settings, code, client, rng=random.Random(code))  # noqa: S311
            await traffic.login()
            no_calls = calls.unavailable(settings)
            if no_calls is None and (late := await calls.ready(settings)) is not None:
                echo(f"telephony not ready after 60 s ({late}); placing the calls anyway")
            n_calls = 0 if no_calls else round(total * calls.CALL_SHARE)
            echo(f"drill {code}: {total} contacts at {per_s:.1f}/s for {duration:.0f} s "
                 f"({n_calls} of them calls{f': {no_calls}' if no_calls else ''}), "
                 f"chaos: {', '.join(faults) or 'none'}")  # fmt: skip
            return await _surge(
                settings, db, traffic, (total - n_calls, n_calls), per_s, duration, faults, echo
            )
    finally:
        await db.close()


async def _surge(
    settings: Settings, db: Database, traffic: Traffic, counts: tuple[int, int], per_s: float,
    duration: float, faults: list[str], echo: Echo,
) -> dict[str, Any]:  # fmt: skip
    total, n_calls = counts
    rate = per_s / CITY_PEAK_PER_S
    per_s = per_s * total / max(1, total + n_calls)  # the calls are sipp's to pace
    prefix = settings.redis.prefix
    watcher = reconcile.QueueWatcher(settings.redis.url, f"{prefix}:workq")
    stop = asyncio.Event()
    watching = asyncio.create_task(watcher.run(stop))
    started, wall0 = time.monotonic(), time.time()
    injected: list[chaos.Fault] = []

    async def fault_at(name: str, at: float) -> None:
        await asyncio.sleep(at)
        f = await chaos.inject(name, settings, started)
        injected.append(f)
        echo(f"  {f.at_s:6.1f} s  {name}: {f.detail}")

    schedule = [
        asyncio.create_task(fault_at(n, duration * (k + 1) / (len(faults) + 1)))
        for k, n in enumerate(faults)
    ]
    work = tempfile.TemporaryDirectory(prefix="drill-sipp-")
    dialling = [
        asyncio.create_task(calls.place(g, traffic, duration, Path(work.name)))
        for g in calls.plan(total, n_calls)
    ]
    gate = asyncio.Semaphore(IN_FLIGHT)
    sent: list[Sent] = []

    async def one(channel: str, seq: int) -> None:
        try:
            sent.append(await traffic.send(channel, seq))
        finally:
            gate.release()

    channels, weights = list(MIX), list(MIX.values())
    pick = random.Random(traffic.drill)  # noqa: S311 - reproducible mix, not a secret
    tasks = []
    for seq in range(total):
        delay = started + seq / per_s - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        await gate.acquire()
        channel = pick.choices(channels, weights)[0]
        tasks.append(asyncio.create_task(one(channel, seq)))
    await asyncio.gather(*tasks, *schedule)
    calls_failed = 0
    for placed, failed in await asyncio.gather(*dialling):
        sent += placed
        calls_failed += failed
    work.cleanup()
    sending_s = time.monotonic() - started
    echo(f"sent {len(sent)} in {sending_s:.1f} s; waiting for the platform to settle …")
    h = await _settle(settings, db, traffic.drill, sent, watcher, calls_failed)
    stop.set()
    await watching
    result = reconcile.table(sent, h, watcher.first_seen, watcher.before, calls_failed)
    by_seq = result.pop("_to_queue")
    fault_rows = []
    during: set[int] = set()
    for f in injected:
        window = [s for s in sent if 0 <= s.sent_at - wall0 - f.at_s < FAULT_WINDOW_S]
        seqs = {s.seq for s in window}
        during |= seqs
        lost = sum(1 for s in window if s.ok and s.seq not in h.cases)
        row = {"fault": f.fault, "at_s": round(f.at_s, 1), "detail": f.detail,
               "injected": f.injected, "sent_within_10_s": len(window), "lost": lost,
               "p99_to_queue_s": reconcile.pct([by_seq[q] for q in seqs if q in by_seq], 99),
               }  # fmt: skip
        fault_rows.append(row)
    calm = [v for q, v in by_seq.items() if q not in during]
    return {
        "drill": traffic.drill,
        "duration_s": round(sending_s, 1),
        "rate": rate,
        "contacts_per_s": round(len(sent) / sending_s, 1) if sending_s else None,
        "calls_skipped": calls.unavailable(settings) if not n_calls else None,
        **result,
        "p99_to_queue_calm_s": reconcile.pct(calm, 99),
        "by_channel": {c: sum(1 for s in sent if s.channel == c and s.ok) for c in MIX},
        # Refused at the door (HTTP status, 0: no answer): the sender knows and retries.
        "refused_by_status": dict(
            Counter(f"{s.channel}:{s.status}" for s in sent if not s.ok and s.seq not in h.cases)
        ),
        "faults": fault_rows,
    }


async def _settle(
    settings: Settings, db: Database, code: int, sent: list[Sent], w: reconcile.QueueWatcher,
    calls_failed: int,
) -> reconcile.Held:  # fmt: skip
    """Until every contact sent is in a case whose number reached the queue (or the
    settle time is up): intake is asynchronous, and chaos delays it."""
    want = {s.seq for s in sent if s.ok}
    deadline = time.monotonic() + settings.drill.settle_s
    while True:
        h = await reconcile.held(db, code)
        queued = all(
            h.cases[q][0] in w.first_seen or h.cases[q][0] in w.before for q in want if q in h.cases
        )
        missing = want - set(h.cases)
        calls_only = all(s.channel == "phone" for s in sent if s.seq in missing)
        if (calls_only and len(missing) <= calls_failed and queued) or time.monotonic() > deadline:
            await asyncio.sleep(1.0)  # the last hang-ups' call-back notes
            return await reconcile.held(db, code)
        await asyncio.sleep(0.5)


__all__ = ["run_drill"]
