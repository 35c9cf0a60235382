"""Outbound delivery: --n notices (default 10,000) drained through the SMS provider's
local API with the rate limits on (target: 0 lost, 0 sent twice, the per-channel limit
never exceeded), and the per-notice overhead against a bare SDK call in the same run.

Subject: ``DeliveryService.enqueue`` (batches of 500, each one transaction) then one
``DeliveryWorker`` as ``liandong worker`` runs it (stream wake-ups + sweep, concurrency
8) sending through ``SmsDeliverySender`` (the official Aliyun SDK, provider fallback
armed) to ``simulators.sms`` (which checks every request's signature), on a fresh
SQLite database and a private redis-server. Every notice has its own number (the
per-recipient limit is the tests' business); the per-channel limit is --rate per s,
checked as: no second in which more than --rate + 8 (the sends in flight) finished.
Baseline: the same SDK adapter's ``send`` called directly, --base times with the same
concurrency. Overhead ratio = subject seconds per notice / baseline seconds per call.

    python benchmarks/delivery_bench.py [--n 10000] [--rate 400] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from collections import Counter
from contextlib import AsyncExitStack, ExitStack
from pathlib import Path
from typing import Any

import _common as c
from sqlalchemy import func, select

from channels.sms.aliyun import AliyunSmsAdapter
from channels.sms.settings import AliyunSmsSettings, TencentSmsSettings
from core.delivery.models import Purpose, Request, Route
from core.delivery.tables import DeliveryAttemptRow, DeliveryRow
from core.storage.engine import Database
from liandong.migrate import upgrade
from liandong.settings import DatabaseSettings, RedisSettings, Settings
from liandong.wiring import build, delivery_worker
from simulators.sms import FakeSmsServer
from tests.support.servers import RedisServer

CONCURRENCY = 8


def settings_for(db_path: Path, redis_url: str, sms: FakeSmsServer, rate: int) -> Settings:
    s = Settings(
        database=DatabaseSettings(url=f"sqlite+aiosqlite:///{db_path}"),
        redis=RedisSettings(url=redis_url, prefix="bench"),
        log_json=False,
    )
    s.channels.wecom.enabled = s.channels.wechat.enabled = False
    for p in (s.channels.sms.aliyun, s.channels.sms.tencent):
        p.endpoint = sms.endpoint
    s.channels.sms.aliyun.protocol = "HTTP"
    s.channels.sms.tencent.protocol = "http://"
    s.telephony.notify.enabled = False
    s.delivery = s.delivery.model_copy(
        update={"quiet_hours": None, "per_channel_per_s": rate, "concurrency": CONCURRENCY,
                "sdk_concurrency": CONCURRENCY,
                "sweep_interval_s": 0.2}
    )  # fmt: skip
    return s


async def baseline(settings: AliyunSmsSettings, n: int) -> float:
    """Seconds per bare SDK call, CONCURRENCY at a time."""
    adapter = AliyunSmsAdapter(settings)
    sem = asyncio.Semaphore(CONCURRENCY)

    async def one(i: int) -> None:
        async with sem:
            await adapter.send(f"1370000{i:04d}", "【基线】测试短信", out_id=f"base-{i}")

    start = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    return (time.perf_counter() - start) / n


async def subject(settings: Settings, n: int) -> dict[str, Any]:
    async with AsyncExitStack() as stack:
        core = await build(settings, stack, lean=True)
        worker = await delivery_worker(core, settings, stack, "bench", voice=False)
        stop = asyncio.Event()
        start = time.perf_counter()
        runner = asyncio.create_task(worker.run(stop))
        for first in range(0, n, 500):
            await worker.service.enqueue(
                [
                    Request(key=f"bench-{i}", purpose=Purpose.notice, text=f"【测试】第{i}条通知",
                            recipient=f"person:{i}", recipient_name="测试",
                            routes=(Route("sms", f"1390{i:07d}"),), urgent=True)
                    for i in range(first, min(first + 500, n))
                ]
            )  # fmt: skip
        staged = time.perf_counter() - start
        while True:
            async with core.db.session() as s:
                left = await s.scalar(
                    select(func.count()).select_from(DeliveryRow)
                    .where(DeliveryRow.state.in_(["queued", "sending"]))
                )  # fmt: skip
            if not left:
                break
            await asyncio.sleep(0.2)
        drained = time.perf_counter() - start
        stop.set()
        await runner
        async with core.db.session() as s:
            by_state = select(DeliveryRow.state, func.count()).group_by(DeliveryRow.state)
            states = dict((await s.execute(by_state)).all())
            seconds = Counter(
                int(a.timestamp()) for a in await s.scalars(select(DeliveryAttemptRow.at))
            )
    return {"staged_s": staged, "drained_s": drained, "states": states,
            "max_per_s": max(seconds.values(), default=0)}  # fmt: skip


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    aliyun, tencent = AliyunSmsSettings(), TencentSmsSettings()
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="ld-bench-dl-") as tmp:
        sms = stack.enter_context(
            FakeSmsServer(
                {aliyun.access_key_id: aliyun.access_key_secret.get_secret_value()},
                {tencent.secret_id: tencent.secret_key.get_secret_value()},
            )
        )
        redis = RedisServer().start()
        stack.callback(redis.close)
        db_path = Path(tmp) / "bench.db"
        db = Database(DatabaseSettings(url=f"sqlite+aiosqlite:///{db_path}"))
        await upgrade(db)
        await db.close()
        settings = settings_for(db_path, redis.url, sms, args.rate)
        c.log(f"baseline: {args.base} bare Aliyun SDK calls")
        base = await baseline(settings.channels.sms.aliyun, args.base)
        sms.state.sent.clear()
        c.log(f"subject: {args.n} notices staged and drained")
        sub = await subject(settings, args.n)
        out_ids = Counter(m.out_id for m in sms.state.sent)
    per_notice = sub["drained_s"] / args.n
    return {
        "n": args.n,
        "rate_limit_per_s": args.rate,
        "drained_s": round(sub["drained_s"], 2),
        "staged_s": round(sub["staged_s"], 2),
        "notices_per_s": round(args.n / sub["drained_s"], 1),
        "max_sent_in_one_s": sub["max_per_s"],
        "states": sub["states"],
        "lost": args.n - len(out_ids),
        "sent_twice": sum(1 for v in out_ids.values() if v > 1),
        "bare_sdk_ms": round(base * 1000, 2),
        "per_notice_ms": round(per_notice * 1000, 2),
        "overhead_ratio": round(per_notice / base, 2),
        "load": os.getloadavg(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--base", type=int, default=500, help="bare SDK calls for the baseline")
    ap.add_argument("--rate", type=int, default=400, help="per-channel limit, messages/s")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    r = asyncio.run(main_async(args))
    # The limiter counts a send when it is permitted; attempts are stamped when they
    # finish, so a second may also hold the (at most CONCURRENCY) sends still in flight
    # from the one before.
    bound = args.rate + CONCURRENCY
    ok = r["lost"] == 0 and r["sent_twice"] == 0 and r["max_sent_in_one_s"] <= bound
    if args.json:
        print(json.dumps(c.json_safe({**r, "verdict": c.verdict(ok)}), ensure_ascii=False))
        return
    print(f"{r['n']} notices drained in {r['drained_s']} s ({r['notices_per_s']}/s), "
          f"max {r['max_sent_in_one_s']} finished in one second (limit {args.rate}, "
          f"+{CONCURRENCY} in flight)")  # fmt: skip
    print(f"lost {r['lost']}, sent twice {r['sent_twice']}, states {r['states']}")
    print(f"per notice {r['per_notice_ms']} ms vs bare SDK call {r['bare_sdk_ms']} ms: "
          f"{r['overhead_ratio']}x  load {r['load']}  {c.verdict(ok)}")  # fmt: skip


if __name__ == "__main__":
    main()
