"""WeChat pushes: the full channel handler vs a bare FastAPI endpoint.

Subject: the platform with the channels included (``channels.api.include``), one
uvicorn worker, on a freshly migrated SQLite database and a private redis-server.
Each request is an encrypted text push signed with the demo account's credentials
(built beforehand with wechatpy's crypto, as WeChat builds them): verify signature
and timestamp, decrypt, parse (defusedxml), dedupe on MsgId, persist contact + case
+ outbox, publish to the intake stream, and answer an encrypted passive reply.
Baseline: a bare FastAPI app answering the same path with a fixed XML reply.

Figures (same run, same load generator): max pushes/s of each (closed loop) and
their ratio (target >= 0.3x); p99 latency of the subject at an open-loop 200
pushes/s (target <= 500 ms); and a dedupe run where each MsgId is delivered three
times, the second while the first is still in flight (target: 0 duplicate contacts).

    python benchmarks/channels_bench.py [--duration 10] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import _common as c
import httpx
import uvicorn
from fastapi import FastAPI, Response

from channels.wechat.settings import DEMO_AES_KEY, DEMO_APP_ID, DEMO_TOKEN, PATH
from simulators.wechat import Push, WeChatPusher, message_xml
from tests.support.servers import RedisServer, free_port

RATIO_TARGET, P99_TARGET_MS, RATE = 0.3, 500.0, 200
# The open loop and the triple deliveries keep hundreds of requests in flight.
LIMITS = httpx.Limits(max_connections=1000, max_keepalive_connections=200)
TIMEOUT = httpx.Timeout(60.0, pool=None)
FIXED_REPLY = (
    "<xml><ToUserName><![CDATA[o]]></ToUserName><FromUserName><![CDATA[gh]]></FromUserName>"
    "<CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType>"
    "<Content><![CDATA[已受理，编号 QX-20260101-00001，回复'查询'可查进度]]></Content></xml>"
)


def subject_app() -> FastAPI:
    """uvicorn factory for the subject: the platform (with its channels)."""
    from liandong.app import create_app

    return create_app()


def bare_app() -> FastAPI:
    app = FastAPI()

    @app.post(PATH)
    async def push() -> Response:
        return Response(FIXED_REPLY, media_type="application/xml")

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def serve(factory: str, port: int) -> None:
    uvicorn.run(
        f"channels_bench:{factory}",
        factory=True,
        host="127.0.0.1",
        port=port,
        workers=1,
        log_config=None,
        access_log=False,
        app_dir=str(c.HERE),
    )


def pushes(pusher: WeChatPusher, n: int, first_id: int) -> list[Push]:
    out = []
    for i in range(n):
        xml = message_xml("text", f"oBench{i % 500:06d}", msg_id=first_id + i, Content="有人打架")
        out.append(pusher.build(xml))
    return out


async def post(client: httpx.AsyncClient, pusher: WeChatPusher, p: Push) -> float:
    t0 = time.perf_counter()
    r = await client.post(pusher.url(p), content=p.body.encode())
    if r.status_code != 200:
        raise RuntimeError(f"{r.status_code}: {r.text[:200]}")
    return (time.perf_counter() - t0) * 1000


async def closed_loop(base: str, pusher: WeChatPusher, items: list[Push], conc: int) -> float:
    queue = list(reversed(items))
    async with httpx.AsyncClient(base_url=base, timeout=TIMEOUT, limits=LIMITS) as client:

        async def worker() -> int:
            done = 0
            while queue:
                await post(client, pusher, queue.pop())
                done += 1
            return done

        t0 = time.perf_counter()
        total = sum(await asyncio.gather(*(worker() for _ in range(conc))))
        return total / (time.perf_counter() - t0)


async def open_loop(base: str, pusher: WeChatPusher, items: list[Push], rate: int) -> list[float]:
    async with httpx.AsyncClient(base_url=base, timeout=TIMEOUT, limits=LIMITS) as client:
        tasks = []
        t0 = time.perf_counter()
        for i, p in enumerate(items):
            await asyncio.sleep(max(0.0, t0 + i / rate - time.perf_counter()))
            tasks.append(asyncio.create_task(post(client, pusher, p)))
        return sorted(await asyncio.gather(*tasks))


async def triple_delivery(base: str, pusher: WeChatPusher, items: list[Push]) -> set[str]:
    """Each MsgId three times: the 2nd 5 ms after the 1st (in flight), the 3rd after both."""
    numbers: set[str] = set()
    async with httpx.AsyncClient(base_url=base, timeout=TIMEOUT, limits=LIMITS) as client:

        async def one(p: Push) -> None:
            first = asyncio.create_task(client.post(pusher.url(p), content=p.body.encode()))
            await asyncio.sleep(0.005)
            second = await client.post(pusher.url(p), content=p.body.encode())
            third = await client.post(pusher.url(p), content=p.body.encode())
            for r in (await first, second, third):
                numbers.add(pusher.open_reply(r.text).split("编号 ")[1].split("，")[0])

        await asyncio.gather(*(one(p) for p in items))
    return numbers


def print_report(r: dict[str, Any]) -> None:
    ok_ratio = r["ratio"] >= RATIO_TARGET
    print(
        f"WeChat push, full handler: {c.fmt(r['subject_rps'])}/s; "
        f"bare endpoint: {c.fmt(r['bare_rps'])}/s; ratio {c.fmt(r['ratio'], 2)}x "
        f"(target >= {RATIO_TARGET}) {c.verdict(ok_ratio)}"
    )
    print(
        f"at {RATE}/s: p50 {c.fmt(r['p50_ms'])} ms, p99 {c.fmt(r['p99_ms'])} ms "
        f"(target <= {P99_TARGET_MS:.0f}) {c.verdict(r['p99_ms'] <= P99_TARGET_MS)}"
    )
    print(
        f"3 deliveries x {r['dedupe_msgids']} MsgIds: {r['dedupe_case_numbers']} case numbers, "
        f"{r['duplicates']} duplicate contacts {c.verdict(r['duplicates'] == 0)}"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--duration", type=float, default=8.0, help="seconds of load per phase")
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--serve", choices=["subject_app", "bare_app"], help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.serve:
        serve(args.serve, args.port)
        return 0
    pusher = WeChatPusher(DEMO_TOKEN, DEMO_APP_ID, DEMO_AES_KEY)
    tmp = Path(tempfile.mkdtemp(prefix="ld-chbench-"))
    redis_server = RedisServer().start()
    db = tmp / "bench.db"
    env = {
        **os.environ,
        "LIANDONG_MODE": "development",
        "LIANDONG_DATABASE__URL": f"sqlite+aiosqlite:///{db}",
        "LIANDONG_REDIS__URL": redis_server.url,
        "LIANDONG_VAR_DIR": str(tmp),
        "LIANDONG_LOG_JSON": "false",
    }
    servers: list[c.Server] = []
    report: dict[str, Any] = {}
    try:
        c.log("migrating a fresh SQLite database")
        import subprocess

        subprocess.run(
            [sys.executable, "-m", "liandong", "db", "upgrade"],
            env=env,
            check=True,
            cwd=c.REPO,
            stdout=subprocess.DEVNULL,
        )
        ports = {}
        for name in ("subject_app", "bare_app"):
            port = ports[name] = free_port()
            srv = c.Server(
                name,
                [
                    sys.executable,
                    str(c.HERE / "channels_bench.py"),
                    "--serve",
                    name,
                    "--port",
                    str(port),
                ],
                env=env,
                cwd=c.REPO,
                log_path=tmp / f"{name}.log",
            )
            servers.append(srv)
            health = "/status" if name == "subject_app" else "/healthz"
            c.wait_http_ok(f"http://127.0.0.1:{port}{health}", srv)
        n = int(args.duration * 400)
        c.log(f"building {3 * n + 300} signed, encrypted pushes")
        warm, subject_items, bare_items = (
            pushes(pusher, n // 4, 10**9),
            pushes(pusher, n, 2 * 10**9),
            pushes(pusher, n, 3 * 10**9),
        )
        rate_items = pushes(pusher, int(RATE * args.duration), 4 * 10**9)
        dup_items = pushes(pusher, 300, 5 * 10**9)
        subj, bare = (
            f"http://127.0.0.1:{ports['subject_app']}",
            f"http://127.0.0.1:{ports['bare_app']}",
        )
        asyncio.run(closed_loop(subj, pusher, warm, args.concurrency))
        asyncio.run(closed_loop(bare, pusher, warm, args.concurrency))
        c.log("closed loop: subject")
        subject_rps = asyncio.run(closed_loop(subj, pusher, subject_items, args.concurrency))
        c.log("closed loop: bare")
        bare_rps = asyncio.run(closed_loop(bare, pusher, bare_items, args.concurrency))
        c.log(f"open loop at {RATE}/s: subject")
        lat = asyncio.run(open_loop(subj, pusher, rate_items, RATE))
        c.log("triple delivery of 300 MsgIds")
        numbers = asyncio.run(triple_delivery(subj, pusher, dup_items))
        time.sleep(0.5)
        with sqlite3.connect(db) as conn:
            contacts = conn.execute(
                "SELECT count(*) FROM contacts WHERE channel='wechat'"
            ).fetchone()[0]
        expected = len(warm) + len(subject_items) + len(rate_items) + len(dup_items)
        ratio = c.ratio(subject_rps, bare_rps)
        p99 = c.percentile(lat, 99)
        report = {
            "benchmark": "channels_wechat",
            "subject_rps": subject_rps,
            "bare_rps": bare_rps,
            "ratio": ratio,
            "ratio_target": RATIO_TARGET,
            "rate": RATE,
            "p50_ms": c.percentile(lat, 50),
            "p99_ms": p99,
            "p99_target_ms": P99_TARGET_MS,
            "dedupe_msgids": len(dup_items),
            "dedupe_case_numbers": len(numbers),
            "duplicates": contacts - expected,
            "pass": ratio >= RATIO_TARGET
            and p99 <= P99_TARGET_MS
            and contacts == expected
            and len(numbers) == len(dup_items),
        }
    finally:
        for srv in servers:
            srv.stop()
        redis_server.close()
    if args.json:
        print(json.dumps(c.json_safe(report)))
    else:
        print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
