"""Process helpers for the reliability tests: real processes, real signals."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.cases.tables import CaseEventRow
from core.queue.tables import OutboxRow
from liandong.settings import Settings
from tests.support.paths import ROOT


def env_for(settings: Settings) -> dict[str, str]:
    """The same settings, as the environment a child process reads."""
    q = settings.queue
    return {
        **os.environ,
        "LIANDONG_MODE": settings.mode.value,
        "LIANDONG_DATABASE__URL": settings.database.url,
        "LIANDONG_REDIS__URL": settings.redis.url,
        "LIANDONG_REDIS__PREFIX": settings.redis.prefix,
        "LIANDONG_QUEUE__CLAIM_IDLE_MS": str(q.claim_idle_ms),
        "LIANDONG_QUEUE__REPUBLISH_AFTER_S": str(q.republish_after_s),
        "LIANDONG_QUEUE__RELAY_INTERVAL_S": str(q.relay_interval_s),
        "LIANDONG_LOG_JSON": "false",
    }


def spawn(args: list[str], settings: Settings, **kw: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "liandong", *args],
        cwd=ROOT,
        env=env_for(settings),
        stdout=subprocess.DEVNULL,
        stderr=kw.pop("stderr", subprocess.DEVNULL),
        **kw,
    )


def wait_port(port: int, timeout: float = 30.0) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {port}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


async def classify_counts(s: AsyncSession) -> dict[int, int]:
    """How many times the intake handler's effect was applied, per case."""
    rows = await s.execute(
        select(CaseEventRow.case_id, func.count())
        .where(CaseEventRow.action == "classify")
        .group_by(CaseEventRow.case_id)
    )
    return {int(cid): int(n) for cid, n in rows.all()}


async def unprocessed(s: AsyncSession) -> int:
    return int(
        await s.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.processed_at.is_(None))
        )
        or 0
    )
