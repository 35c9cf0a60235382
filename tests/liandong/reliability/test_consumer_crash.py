"""SIGKILL a consumer that has read an entry: another re-claims it (XAUTOCLAIM)
and it is processed exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from contextlib import AsyncExitStack

import pytest
from sqlalchemy import select

from core.cases.schemas import ContactCreate
from core.queue.tables import OutboxRow
from liandong.processes.intake import run_worker
from liandong.settings import Settings
from liandong.wiring import build
from tests.liandong.reliability.helpers import ROOT, classify_counts, env_for
from tests.support.barriers import intake_settled

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

# A consumer built from our own StreamConsumer whose handler never returns: it
# reads the entry (so the entry sits in its pending list) and then hangs.
DOOMED = """
import asyncio, sys
from contextlib import AsyncExitStack
from liandong.wiring import build
from core.queue.consumer import StreamConsumer
from liandong.settings import Settings

async def main():
    async with AsyncExitStack() as stack:
        c = await build(Settings(), stack)
        async def hang(entry):
            print("READ", entry.outbox_id, flush=True)
            await asyncio.Event().wait()
        consumer = StreamConsumer(c.streams, "doomed", hang, claim_idle_ms=60_000,
                                  max_deliveries=5)
        await c.streams.ensure_group()
        while True:
            await consumer.poll_once()

asyncio.run(main())
"""


async def test_sigkilled_consumer_entry_is_reclaimed_and_processed_once(settings: Settings) -> None:
    async with AsyncExitStack() as stack:
        c = await build(settings, stack)
        await c.streams.ensure_group()
        created = await c.intake.receive(
            ContactCreate(channel="phone", hotline="110", sender="13800000009", text="有人抢劫"),
            actor="calltaker",
        )
        doomed = subprocess.Popen(
            [sys.executable, "-c", DOOMED], cwd=ROOT, env=env_for(settings), stdout=subprocess.PIPE
        )
        assert doomed.stdout is not None
        line = await asyncio.wait_for(asyncio.to_thread(doomed.stdout.readline), 30)
        assert line.startswith(b"READ"), line
        pending = await c.redis.xpending(c.streams.stream, c.streams.group)
        assert pending["pending"] == 1
        assert [p["name"] for p in pending["consumers"]] == [b"doomed"]
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.wait(10)

        stop = asyncio.Event()
        task = asyncio.create_task(
            run_worker(settings, "survivor", stop, relay=False, install_signals=False)
        )
        try:
            # A would-be duplicate has had every chance to show: nothing left to deliver.
            await intake_settled(c.db, c.redis, c.streams.stream, c.streams.group, 30)
        finally:
            stop.set()
            await asyncio.wait_for(task, 10)

        async with c.db.session() as s:
            row = await s.scalar(select(OutboxRow))
            counts = await classify_counts(s)
        assert row is not None and row.processed_by == "survivor"
        assert list(counts.values()) == [1]
        assert (await c.redis.xpending(c.streams.stream, c.streams.group))["pending"] == 0
        queued = await c.workqueue.members()
        assert created.case_number in queued
