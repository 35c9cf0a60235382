"""Barriers for tests that check "nothing more happens": wait until every delivery
that could still happen has happened (a counter reaches its end), never a fixed sleep
that passes whether or not the work was done."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import func, select

from core.queue.tables import OutboxRow
from core.storage.engine import Database


async def until(check: Callable[[], Awaitable[bool]], limit_s: float, what: str) -> None:
    """Return as soon as ``check()`` is true; fail naming ``what`` after ``limit_s``."""
    deadline = time.monotonic() + limit_s
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {limit_s} s: {what}")
        await asyncio.sleep(0.05)


async def group_drained(redis: Redis, stream: str, group: str) -> bool:
    """Every entry of ``stream`` delivered to ``group`` (lag 0) and acknowledged
    (nothing pending): no delivery, first or repeated, is still to come from it."""
    groups: Any = await redis.xinfo_groups(stream)
    for g in groups:
        name = g["name"].decode() if isinstance(g["name"], bytes) else g["name"]
        if name == group:
            return int(g["pending"]) == 0 and int(g["lag"] or 0) == 0
    return False


async def all_processed(db: Database) -> bool:
    """No outbox row waits for the intake handler (so the relay republishes nothing)."""
    async with db.session() as s:
        n = await s.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.processed_at.is_(None))
        )
    return not n


async def intake_settled(
    db: Database, redis: Redis, stream: str, group: str, limit_s: float
) -> None:
    """Barrier: every contact processed and every intake delivery acknowledged."""

    async def done() -> bool:
        return await all_processed(db) and await group_drained(redis, stream, group)

    await until(done, limit_s, "intake processed and its stream drained")
