"""Component health for /status. A missing optional component is ``degraded``
(the platform works without it), a failing required one is ``down``."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from asr import catalog as asr_catalog
from core.wiring import CoreServices
from liandong.processes import asterisk as asterisk_supervisor
from liandong.settings import Settings
from telephony.asterisk import runner

OK, DEGRADED, DOWN = "ok", "degraded", "down"


async def _timed(coro: Any) -> tuple[bool, float, str | None]:
    start = time.perf_counter()
    try:
        await asyncio.wait_for(coro, 2.0)
    except Exception as exc:
        return False, (time.perf_counter() - start) * 1000, f"{type(exc).__name__}: {exc}"[:200]
    return True, (time.perf_counter() - start) * 1000, None


async def collect(c: CoreServices, s: Settings) -> dict[str, Any]:
    comps: dict[str, dict[str, Any]] = {}
    ok, ms, err = await _timed(c.db.ping())
    comps["database"] = {
        "status": OK if ok else DOWN,
        "backend": c.db.dialect,
        "latency_ms": round(ms, 2),
        **({"error": err} if err else {}),
    }
    ok, ms, err = await _timed(c.redis.ping())
    comps["redis"] = {
        "status": OK if ok else DOWN,
        "latency_ms": round(ms, 2),
        **({"error": err} if err else {}),
    }
    if ok:
        try:
            stats = await c.streams.stats()
            depth = await c.workqueue.size()
            c.metrics.stream_pending.set(stats["pending"])
            c.metrics.dead_letters.set(stats["dead"])
            c.metrics.queue_depth.set(depth)
            comps["queue"] = {
                "status": DEGRADED if stats["dead"] else OK,
                **stats,
                "work_queue_depth": depth,
            }
        except Exception as exc:
            comps["queue"] = {"status": DOWN, "error": str(exc)[:200]}
    else:
        comps["queue"] = {"status": DOWN, "error": "redis unreachable"}
    comps["orgmap"] = (
        {"status": OK, "grids": c.orgmap.grid_count()}
        if c.orgmap.grid_count()
        else {"status": DEGRADED, "detail": "no org map loaded (run demo seed)"}
    )
    info = await asyncio.to_thread(runner.ari_info, s.telephony, 1.0)
    comps["asterisk"] = (
        {
            "status": OK,
            "version": info.get("system", {}).get("version"),
            "ari": s.telephony.ari_base_url,
        }
        if info
        else {"status": DEGRADED, "detail": f"ARI not reachable at {s.telephony.ari_base_url}"}
    )
    # `liandong run` supervises Asterisk and says here what it is doing (restarting …).
    supervisor = asterisk_supervisor.read_state(s.telephony, s.var_dir)
    if supervisor is not None:
        comps["asterisk"]["supervisor"] = supervisor
    # Looks at model directories only; loading a model is the ASR worker's job.
    comps["asr"] = await asyncio.to_thread(asr_catalog.health, s.asr, s.asr_model_path)
    ch = s.channels
    enabled = [n for n in ("wechat", "sms", "stb", "weibo") if getattr(ch, n).enabled]
    comps["channels"] = (
        {"status": OK, "enabled": enabled}
        if enabled
        else {"status": DEGRADED, "detail": "no channel adapters enabled"}
    )
    required = ("database", "redis", "queue")
    overall = (
        DOWN
        if any(comps[k]["status"] == DOWN for k in required)
        else DEGRADED
        if any(v["status"] != OK for v in comps.values())
        else OK
    )
    return {"status": overall, "mode": s.mode.value, "components": comps}
