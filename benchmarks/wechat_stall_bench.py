"""WeChat pushes with the database stalled (issue 13): p99 latency at an open-loop
200 pushes/s while another connection holds SQLite's write lock for --stall seconds
(target <= 1 s; WeChat gives up after 5 s), then 0 lost and 0 duplicated once the
written-ahead pushes are replayed.

Subject: the platform as in ``channels_bench.py`` (one uvicorn worker, fresh SQLite,
private redis-server), ``reply_within_s`` at its default. Baseline in the same run:
the same open loop with the database free (passive replies, today's path). After the
stall, the replayer (``liandong worker`` runs it) drains ``{prefix}:wechat:ahead``;
then every MsgId sent must be exactly one contact.

    python benchmarks/wechat_stall_bench.py [--stall 10] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import AsyncExitStack
from pathlib import Path

import _common as c
from channels_bench import RATE, open_loop, pushes
from sqlalchemy import func, select

from channels.wechat.settings import DEMO_AES_KEY, DEMO_APP_ID, DEMO_TOKEN
from simulators.wechat import WeChatPusher
from tests.support.servers import RedisServer, free_port

P99_TARGET_MS = 1000.0


def hold_write_lock(db: Path, seconds: float, started: threading.Event) -> None:
    conn = sqlite3.connect(db, timeout=30)
    conn.execute("BEGIN EXCLUSIVE")
    started.set()
    time.sleep(seconds)  # the stall itself: what the benchmark measures through
    conn.rollback()
    conn.close()


async def replay_and_count(sent: int) -> dict[str, int]:
    """Drain the write-ahead stream, then count contacts (Settings from the env)."""
    from channels.wiring import build_channels
    from core.cases.tables import ContactRow
    from liandong.settings import Settings
    from liandong.wiring import build

    settings = Settings()
    async with AsyncExitStack() as stack:
        core = await build(settings, stack, lean=True)
        ch = await build_channels(core, settings.channels, stack)
        if ch.wechat_ahead is None:
            raise RuntimeError("the WeChat channel is disabled")
        stop = asyncio.Event()
        task = asyncio.create_task(ch.wechat_ahead.run(stop))
        streams = ch.wechat_ahead.streams
        await asyncio.sleep(1.0)
        for _ in range(1200):  # at most 10 min
            if not await streams.backlog():
                break
            await asyncio.sleep(0.5)
        stop.set()
        await task
        async with core.db.session() as s:
            contacts = int(
                await s.scalar(
                    select(func.count())
                    .select_from(ContactRow)
                    .where(ContactRow.channel == "wechat")
                )
                or 0
            )
            distinct = int(
                await s.scalar(select(func.count(func.distinct(ContactRow.idempotency_key)))) or 0
            )
    return {"sent": sent, "contacts": contacts, "lost": sent - distinct,
            "duplicated": contacts - distinct}  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stall", type=float, default=10.0, help="seconds the database is locked")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    pusher = WeChatPusher(DEMO_TOKEN, DEMO_APP_ID, DEMO_AES_KEY)
    tmp = Path(tempfile.mkdtemp(prefix="ld-stallbench-"))
    redis = RedisServer().start()
    db = tmp / "bench.db"
    env = {
        **os.environ,
        "LIANDONG_MODE": "development",
        "LIANDONG_DATABASE__URL": f"sqlite+aiosqlite:///{db}",
        "LIANDONG_REDIS__URL": redis.url,
        "LIANDONG_VAR_DIR": str(tmp),
        "LIANDONG_LOG_JSON": "false",
    }
    server = None
    try:
        c.log("migrating a fresh SQLite database")
        subprocess.run([sys.executable, "-m", "liandong", "db", "upgrade"], env=env,
                       check=True, cwd=c.REPO, stdout=subprocess.DEVNULL)  # fmt: skip
        port = free_port()
        server = c.Server(
            "subject_app",
            [sys.executable, str(c.HERE / "channels_bench.py"), "--serve", "subject_app",
             "--port", str(port)],
            env=env, cwd=c.REPO, log_path=tmp / "subject.log",
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        c.wait_http_ok(f"{base}/status", server)
        n = int(RATE * args.stall)
        free_items = pushes(pusher, n, 6 * 10**9)
        stalled_items = pushes(pusher, n, 7 * 10**9)
        asyncio.run(open_loop(base, pusher, pushes(pusher, 50, 8 * 10**9), 50))  # warm-up
        c.log(f"open loop at {RATE}/s, database free")
        free = asyncio.run(open_loop(base, pusher, free_items, RATE))
        c.log(f"open loop at {RATE}/s, database locked for {args.stall} s")
        started = threading.Event()
        locker = threading.Thread(target=hold_write_lock, args=(db, args.stall + 1, started))
        locker.start()
        started.wait(10)
        stalled = asyncio.run(open_loop(base, pusher, stalled_items, RATE))
        locker.join()
        c.log("replaying what was written ahead")
        os.environ.update(env)
        counts = asyncio.run(replay_and_count(50 + 2 * n))
    finally:
        if server is not None:
            server.stop()
        redis.close()
    r = {
        "rate": RATE,
        "stall_s": args.stall,
        "free_p99_ms": round(c.percentile(free, 99), 1),
        "stalled_p50_ms": round(c.percentile(stalled, 50), 1),
        "stalled_p99_ms": round(c.percentile(stalled, 99), 1),
        "stalled_max_ms": round(stalled[-1], 1),
        **counts,
        "load": os.getloadavg(),
    }
    ok = r["stalled_p99_ms"] <= P99_TARGET_MS and r["lost"] == 0 and r["duplicated"] == 0
    r["verdict"] = c.verdict(ok)
    if args.json:
        print(json.dumps(c.json_safe(r), ensure_ascii=False))
    else:
        print(f"database free: p99 {r['free_p99_ms']} ms; locked {args.stall} s: p50 "
              f"{r['stalled_p50_ms']} ms, p99 {r['stalled_p99_ms']} ms (target <= "
              f"{P99_TARGET_MS:.0f}), max {r['stalled_max_ms']} ms")  # fmt: skip
        print(f"sent {r['sent']}, contacts {r['contacts']}, lost {r['lost']}, duplicated "
              f"{r['duplicated']}  load {r['load']}  {r['verdict']}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
