"""Desk: 5,000 open queue items in Chromium; first render, update and event → screen latency.

The real platform (create_app under uvicorn, a migrated and seeded SQLite database, a
private redis-server) serves the console to headless Debian Chromium (Playwright with
executable_path; never a downloaded browser).

* first render: login done, reload /desk/ until all 5,000 rows are in the table
  (target ≤ 1 s). Baseline in the same run: the same 5,000 rows as a plain static
  HTML table (page.set_content).
* event → screen: an item is added to the work queue (the intake worker's
  WorkQueue.add) and the time until its row is in the DOM is taken from the
  wall clock on both sides (same machine). p95 target ≤ 500 ms. Baseline: a
  Python → page round trip through Playwright (the measuring floor).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import _common as c
from playwright.async_api import async_playwright
from redis.asyncio import Redis

from core.auth.service import AuthService
from core.clock import utc_clock
from core.orgmap.demo import seed_demo
from core.queue.workqueue import QueueItem, WorkQueue
from core.storage.engine import Database
from liandong.demo.accounts import ensure_demo_accounts
from liandong.migrate import upgrade
from liandong.settings import AuthSettings, DatabaseSettings, RedisSettings, Settings
from tests.support.servers import RedisServer, free_port

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
ROOT = Path(__file__).resolve().parents[1]
SERVE = (
    "import sys, uvicorn; from liandong.app import create_app; "
    "uvicorn.run(create_app(), host='127.0.0.1', port=int(sys.argv[1]), log_level='warning')"
)
TARGET_RENDER_S = 1.0
TARGET_P95_MS = 500.0


def item(i: int, now: float, emergency: bool = False) -> QueueItem:
    return QueueItem(
        case_number=f"QX-20261126-{i:05d}", channel=("phone", "wechat", "sms", "app")[i % 4],
        hotline="110" if i % 4 == 0 else None, category="government", subtype="consultation",
        priority=1 if emergency else 3 + i % 2, emergency=emergency, live=False,
        summary=f"群众反映第{i}号问题：路灯不亮，请尽快处理", township="新仁苗族乡",
        enqueued_at=now - i,
    )  # fmt: skip


async def prepare(url: str) -> None:
    db = Database(DatabaseSettings(url=url))
    try:
        await upgrade(db)
        await seed_demo(db)
        await ensure_demo_accounts(db, AuthService(db, AuthSettings(), demo_allowed=True,
                                                   clock=utc_clock))  # fmt: skip
    finally:
        await db.close()


async def run(n: int, updates: int) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="desk-bench-"))
    redis_server = RedisServer().start()
    try:
        url = f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
        c.log("migrating and seeding the Qianxi demo data")
        await prepare(url)
        settings = Settings(
            database=DatabaseSettings(url=url),
            redis=RedisSettings(url=redis_server.url, prefix=f"bench-{uuid.uuid4().hex[:6]}"),
            auth=AuthSettings(cookie_secure=False),
            log_json=False,
        )
        redis = Redis.from_url(redis_server.url)
        wq = WorkQueue(redis, prefix=settings.redis.prefix, aging_step_s=120)
        now = time.time()
        for start in range(0, n, 20):
            await asyncio.gather(*(wq.add(item(i, now)) for i in range(start, min(n, start + 20))))
        # The API in its own process, as deployed: the browser driver below must not
        # share an event loop with the server it measures.
        port = free_port()
        env = {**os.environ, "LIANDONG_DATABASE__URL": url,
               "LIANDONG_REDIS__URL": redis_server.url,
               "LIANDONG_REDIS__PREFIX": settings.redis.prefix,
               "LIANDONG_AUTH__COOKIE_SECURE": "false", "LIANDONG_LOG_JSON": "false"}  # fmt: skip
        server = c.Server("api", [sys.executable, "-c", SERVE, str(port)], env=env, cwd=ROOT,
                          log_path=tmp / "api.log")  # fmt: skip
        c.wait_http_ok(f"http://127.0.0.1:{port}/healthz", server)
        base = f"http://127.0.0.1:{port}"
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = await (
                await browser.new_context(viewport={"width": 1600, "height": 1000})
            ).new_page()
            await page.goto(f"{base}/desk/")
            await page.fill("#login input[name=username]", "calltaker")
            await page.fill("#login input[name=password]", "demo-calltaker-110")
            await page.click("#login button[type=submit]")
            await page.wait_for_selector("#app:not([hidden])")
            await page.wait_for_function(f"document.querySelectorAll('#queue tr').length >= {n}",
                                         timeout=60_000)  # fmt: skip
            renders = []
            for _ in range(3):
                t0 = time.perf_counter()
                await page.reload()
                await page.wait_for_function(
                    f"document.querySelectorAll('#queue tr').length >= {n}", timeout=60_000
                )
                renders.append(time.perf_counter() - t0)
                c.log(
                    f"page times (ms since navigation): {await page.evaluate('window.deskTimes')}"
                )
            render = statistics.median(renders)

            rows = "".join(
                f"<tr><td>{it.case_number}</td><td>{it.channel}</td><td>{it.summary}</td></tr>"
                for it in (item(i, now) for i in range(n))
            )
            static = []
            for _ in range(3):
                t0 = time.perf_counter()
                await page.set_content(f"<table><tbody id='q'>{rows}</tbody></table>")
                await page.wait_for_function(f"document.querySelectorAll('#q tr').length >= {n}")
                static.append(time.perf_counter() - t0)
            baseline_render = statistics.median(static)

            await page.reload()
            await page.wait_for_function(f"document.querySelectorAll('#queue tr').length >= {n}",
                                         timeout=60_000)  # fmt: skip
            await page.evaluate("""() => { window.seen = {};
              new MutationObserver((ms) => { for (const m of ms) for (const nd of m.addedNodes)
                if (nd.dataset && nd.dataset.n) window.seen[nd.dataset.n] ??= Date.now(); })
              .observe(document.getElementById('queue'), { childList: true }); }""")
            lat: list[float] = []
            net: list[float] = []  # until the event reached the page (server + SSE)
            detect: list[float] = []  # until the server saw the change
            for k in range(updates):
                it = item(n + 1 + k, time.time(), emergency=k % 2 == 0)
                sent = time.time() * 1000
                await wq.add(it)
                await page.wait_for_function(f"window.seen['{it.case_number}'] !== undefined")
                seen, arrived = await page.evaluate(
                    f"[window.seen['{it.case_number}'], window.deskArrived['{it.case_number}']]"
                )
                lat.append(seen - sent)
                net.append(arrived[0] - sent)
                detect.append(arrived[1] - sent)
                await asyncio.sleep(0.1)
            lat.sort()
            floor = []
            for _ in range(updates):
                t0 = time.time() * 1000
                seen = await page.evaluate("Date.now()")
                floor.append(seen - t0)
            await browser.close()
        server.stop()
        await redis.aclose()
    finally:
        redis_server.close()
    p95 = c.percentile(lat, 95)
    net.sort()
    detect.sort()
    for label, values in (("server saw the change", detect), ("event reached the page", net)):
        p50, p95_ = statistics.median(values), c.percentile(values, 95)
        c.log(f"{label}: p50 {p50:.0f} ms, p95 {p95_:.0f} ms")
    floor_p95 = c.percentile(sorted(floor), 95)
    print(f"first render of {n} queue items: {render:.3f} s (static HTML list: "
          f"{baseline_render:.3f} s, ratio {render / baseline_render:.1f}×) "
          f"target ≤ {TARGET_RENDER_S} s: {c.verdict(render <= TARGET_RENDER_S)}")  # fmt: skip
    print(f"event → screen ({updates} updates, {n} rows on screen): p50 "
          f"{statistics.median(lat):.0f} ms, p95 {p95:.0f} ms, max {lat[-1]:.0f} ms; "
          f"Playwright round-trip floor p95 {floor_p95:.1f} ms; "
          f"target p95 ≤ {TARGET_P95_MS:.0f} ms: {c.verdict(p95 <= TARGET_P95_MS)}; "
          f"update ≤ 1 s: {c.verdict(lat[-1] <= 1000)}")  # fmt: skip
    return 0 if render <= TARGET_RENDER_S and p95 <= TARGET_P95_MS else 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--items", type=int, default=5000, help="open queue items (default 5000)")
    ap.add_argument("--updates", type=int, default=40, help="queue events measured (default 40)")
    a = ap.parse_args()
    sys.exit(asyncio.run(run(a.items, a.updates)))


if __name__ == "__main__":
    main()
