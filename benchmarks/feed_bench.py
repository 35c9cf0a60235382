"""Live feed at city scale: N open SSE feeds on one API worker.

The real platform (create_app under uvicorn, one worker, a migrated and seeded SQLite
database, a private redis-server). The feeds are plain HTTP/1.1 connections held by
this process (asyncio streams: a browser's EventSource does no more).

* event → every feed: a call event is XADDed to ``{prefix}:tel:events`` (what the
  telephony process writes) and the time until each feed has read it is taken from
  the wall clock on both sides (same machine). Target: p95 ≤ 1 s with 2,000 feeds.
* the API's own p99: ``GET /api/v1/queue`` from 8 concurrent clients for a few
  seconds, first with no feed open (the baseline, same run), then with all N open.
  Target: unchanged (ratio ≤ 1.5×: a 2-core shared machine varies that much).

The bench logs in once, so it raises the per-user feed cap (LIANDONG_DESK__FEEDS_PER_USER)
for the run; the cap's own cost is a dict lookup per feed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import _common as c
import httpx
from redis.asyncio import Redis

from core.auth.service import AuthService
from core.clock import utc_clock
from core.orgmap.demo import seed_demo
from core.storage.engine import Database
from liandong.demo.accounts import ensure_demo_accounts
from liandong.migrate import upgrade
from liandong.settings import AuthSettings, DatabaseSettings
from tests.support.servers import RedisServer, free_port

ROOT = Path(__file__).resolve().parents[1]
SERVE = (
    "import sys, uvicorn; from liandong.app import create_app; "
    "uvicorn.run(create_app(), host='127.0.0.1', port=int(sys.argv[1]), log_level='warning',"
    " backlog=4096)"
)
TARGET_P95_S = 1.0
TARGET_API_RATIO = 1.5


async def prepare(url: str) -> None:
    db = Database(DatabaseSettings(url=url))
    try:
        await upgrade(db)
        await seed_demo(db)
        auth = AuthService(db, AuthSettings(), demo_allowed=True, clock=utc_clock)
        await ensure_demo_accounts(db, auth)
    finally:
        await db.close()


class Tally:
    """How many feeds have each marked event; set when all of them have it."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.counts: dict[str, int] = {}
        self.done: dict[str, asyncio.Event] = {}

    def expect(self, marker: str) -> asyncio.Event:
        return self.done.setdefault(marker, asyncio.Event())

    def saw(self, marker: str) -> None:
        self.counts[marker] = self.counts.get(marker, 0) + 1
        if self.counts[marker] >= self.n:
            self.expect(marker).set()


class Feed:
    """One open feed: records when each marked event arrived."""

    def __init__(self, tally: Tally) -> None:
        self.tally = tally
        self.seen: dict[str, float] = {}
        self.ready = asyncio.Event()
        self.writer: asyncio.StreamWriter | None = None

    async def run(self, port: int, token: str) -> None:
        reader, self.writer = await asyncio.open_connection("127.0.0.1", port)
        self.writer.write(
            (
                "GET /api/v1/desk/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n"
            ).encode()
        )
        await self.writer.drain()
        while line := await reader.readline():
            if line.startswith(b"event: hello"):
                self.ready.set()
            elif line.startswith(b"data: ") and b"bench-" in line:
                marker = json.loads(line[6:]).get("channel_id", "")
                if marker not in self.seen:
                    self.seen[marker] = time.time()
                    self.tally.saw(marker)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def api_latencies(base: str, token: str, seconds: float) -> list[float]:
    out: list[float] = []
    deadline = time.monotonic() + seconds
    h = {"Authorization": f"Bearer {token}"}

    async def one(http: httpx.AsyncClient) -> None:
        while time.monotonic() < deadline:
            t0 = time.perf_counter()
            r = await http.get("/api/v1/queue", headers=h)
            out.append(time.perf_counter() - t0)
            if r.status_code != 200:
                raise RuntimeError(f"GET /api/v1/queue answered {r.status_code}: {r.text[:200]}")

    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        await asyncio.gather(*(one(http) for _ in range(8)))
    return sorted(out)


async def run(n: int, events: int, seconds: float) -> dict[str, object]:
    tmp = Path(tempfile.mkdtemp(prefix="feed-bench-"))
    redis_server = RedisServer().start()
    feeds: list[Feed] = []
    tasks: list[asyncio.Task[None]] = []
    try:
        url = f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
        c.log("migrating and seeding the Qianxi demo data")
        await prepare(url)
        prefix = f"bench-{uuid.uuid4().hex[:6]}"
        port = free_port()
        env = {**os.environ, "LIANDONG_DATABASE__URL": url,
               "LIANDONG_REDIS__URL": redis_server.url, "LIANDONG_REDIS__PREFIX": prefix,
               "LIANDONG_AUTH__COOKIE_SECURE": "false", "LIANDONG_LOG_JSON": "false",
               "LIANDONG_DESK__FEEDS_PER_USER": str(n + 10)}  # fmt: skip
        server = c.Server("api", [sys.executable, "-c", SERVE, str(port)], env=env, cwd=ROOT,
                          log_path=tmp / "api.log")  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        c.wait_http_ok(f"{base}/healthz", server)
        async with httpx.AsyncClient(base_url=base) as http:
            login = {"username": "calltaker", "password": "demo-calltaker-110"}
            r = await http.post("/api/v1/auth/token", data=login)
            token = r.json()["access_token"]
        c.log(f"API p99 with no feed open ({seconds:.0f} s, 8 clients)")
        idle = await api_latencies(base, token, seconds)
        c.log(f"opening {n} feeds")
        t_open = time.perf_counter()
        tally = Tally(n)
        for i in range(n):
            feed = Feed(tally)
            feeds.append(feed)
            tasks.append(asyncio.create_task(feed.run(port, token)))
            if i % 100 == 99:
                await asyncio.sleep(0.05)  # the accept queue, not the feed, would be measured
        await asyncio.wait_for(asyncio.gather(*(f.ready.wait() for f in feeds)), 120)
        open_s = time.perf_counter() - t_open
        c.log(f"{n} feeds open in {open_s:.1f} s; sending {events} call events")
        redis = Redis.from_url(redis_server.url)
        lat: list[float] = []
        last: list[float] = []
        for k in range(events):
            marker = f"bench-{k}"
            everyone = tally.expect(marker)
            sent = time.time()
            await redis.xadd(f"{prefix}:tel:events", {"channel_id": marker, "state": "queued"})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(everyone.wait(), 15)
            got = sorted(f.seen[marker] - sent for f in feeds if marker in f.seen)
            lat += got
            last.append(got[-1] if got else float("nan"))
            if len(got) < n:
                c.log(f"event {k}: only {len(got)} of {n} feeds got it within 15 s")
            await asyncio.sleep(0.3)
        await redis.aclose()
        c.log(f"API p99 with {n} feeds open")
        busy = await api_latencies(base, token, seconds)
        for f in feeds:
            f.close()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        server.stop()
    finally:
        redis_server.close()
    lat.sort()
    result = {
        "feeds": n,
        "events": events,
        "deliveries": len(lat),
        "expected_deliveries": n * events,
        "open_s": round(open_s, 2),
        "event_to_feed_p50_s": c.percentile(lat, 50),
        "event_to_feed_p95_s": c.percentile(lat, 95),
        "event_to_last_feed_max_s": max(last),
        "api_p99_no_feeds_ms": c.percentile(idle, 99) * 1000,
        "api_p99_with_feeds_ms": c.percentile(busy, 99) * 1000,
        "api_requests": [len(idle), len(busy)],
        "load_avg": os.getloadavg(),
    }
    ratio = c.ratio(result["api_p99_with_feeds_ms"], result["api_p99_no_feeds_ms"])  # type: ignore[arg-type]
    result["api_p99_ratio"] = ratio
    p95 = result["event_to_feed_p95_s"]
    print(
        f"{n} feeds on one API worker: event → every feed p50 "
        f"{c.fmt(result['event_to_feed_p50_s'], 3)} s, p95 {c.fmt(p95, 3)} s, "  # type: ignore[arg-type]
        f"slowest feed {c.fmt(max(last), 3)} s; delivered {len(lat)}/{n * events}; "
        f"target p95 ≤ {TARGET_P95_S} s: {c.verdict(p95 <= TARGET_P95_S)}"
    )  # type: ignore[operator]
    print(f"API p99 GET /api/v1/queue: {c.fmt(result['api_p99_no_feeds_ms'])} ms with no feed, "  # type: ignore[arg-type]
          f"{c.fmt(result['api_p99_with_feeds_ms'])} ms with {n} feeds (×{c.fmt(ratio, 2)}); "  # type: ignore[arg-type]
          f"target ≤ {TARGET_API_RATIO}×: {c.verdict(ratio <= TARGET_API_RATIO)}; "
          f"load average {os.getloadavg()[0]:.2f}")  # fmt: skip
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--feeds", type=int, default=2000, help="open feeds (default 2000)")
    ap.add_argument("--events", type=int, default=10, help="call events measured (default 10)")
    ap.add_argument("--seconds", type=float, default=5.0, help="API load per phase (default 5)")
    ap.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    a = ap.parse_args()
    result = asyncio.run(run(a.feeds, a.events, a.seconds))
    if a.json:
        print(json.dumps(c.json_safe(result)))


if __name__ == "__main__":
    main()
