"""Faults a drill injects while the surge runs, each recorded with when it happened.

Processes are found only through the pid files the platform writes for them
(``var/run/<role>-*.pid`` by ``liandong run``, ``var/asterisk-<instance>.pid`` by the
Asterisk runner) and checked to be Liandong's (or Asterisk's) before the SIGKILL: the
drill never picks a process by name.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import text

from core.storage.engine import Database
from liandong.processes import pids
from liandong.settings import Settings
from telephony.asterisk import runner

FAULTS = ("worker", "telephony", "redis", "asterisk", "db")
# How long Redis is paused and the database held: long enough to back requests up,
# short enough that a drill of a minute still has calm before and after.
STALL_S = 3.0


@dataclass
class Fault:
    fault: str
    at_s: float  # since the drill started
    detail: str
    injected: bool


def _kill(pid: int | None, must_contain: bytes) -> str | None:
    if pid is None:
        return None
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    if must_contain not in cmdline:
        return None  # the pid was reused by something that is not ours
    os.kill(pid, signal.SIGKILL)
    return f"SIGKILL pid {pid}"


async def inject(name: str, settings: Settings, started: float) -> Fault:
    at = time.monotonic() - started
    detail: str | None
    if name in ("worker", "telephony"):
        found = pids.read(settings.var_dir, name)
        detail = _kill(found[0] if found else None, b"liandong")
        detail = detail or f"no running {name} registered under {settings.var_dir}/run"
        return Fault(name, at, detail, detail.startswith("SIGKILL"))
    if name == "asterisk":
        detail = _kill(runner.running_pid(settings.telephony, settings.var_dir), b"asterisk")
        return Fault(name, at, detail or "no Asterisk pid file", detail is not None)
    if name == "redis":
        return Fault(name, at, *await _redis_restart(settings))
    if name == "db":
        return Fault(name, at, *await _db_stall(settings))
    raise ValueError(name)


async def _redis_restart(settings: Settings) -> tuple[str, bool]:
    """What a Redis restart looks like to every client: each connection is cut and the
    server answers nothing for a while. The data stays (as it does with AOF)."""
    redis = Redis.from_url(settings.redis.url, socket_timeout=5)
    try:
        # Cut first, then paused: the clients reconnect into a server that answers
        # nothing for a while, as after a restart while the AOF loads.
        killed: Any = await redis.client_kill_filter(_type="normal", skipme=True)
        paused: Any = await redis.client_pause(int(STALL_S * 1000), all=True)
    except RedisError as exc:
        return f"not injected: {exc}", False
    finally:
        await redis.aclose()
    return f"{killed} connections cut, Redis paused {STALL_S:.0f} s ({paused})", True


async def _db_stall(settings: Settings) -> tuple[str, bool]:
    """Hold the contacts table against writers for ``STALL_S``: SQLite's write lock
    (BEGIN IMMEDIATE), PostgreSQL's EXCLUSIVE table lock (readers still read)."""
    db = Database(settings.database)
    try:
        async with db.session() as s:
            if db.dialect == "postgresql":
                await s.execute(text("LOCK TABLE contacts IN EXCLUSIVE MODE"))
            else:
                await s.execute(text("SELECT 1"))  # the engine began IMMEDIATE
            await asyncio.sleep(STALL_S)
            await s.rollback()
    except Exception as exc:  # the drill reports what it could not do
        return f"not injected: {type(exc).__name__}: {exc}"[:200], False
    finally:
        await db.close()
    return f"{db.dialect} writers held {STALL_S:.0f} s", True


__all__ = ["FAULTS", "Fault", "inject"]
