"""Redis stops between the contact's commit and its publish, and comes back empty:
the outbox relay republishes and nothing is lost."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import AsyncExitStack

import pytest

from core.cases.schemas import ContactCreate
from liandong.processes.intake import run_worker
from liandong.wiring import build
from tests.conftest import make_settings
from tests.liandong.reliability.helpers import classify_counts, unprocessed
from tests.support.barriers import intake_settled
from tests.support.servers import RedisServer

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


@pytest.fixture
def private_redis() -> Iterator[RedisServer]:
    server = RedisServer().start()
    yield server
    server.close()


async def test_contacts_survive_redis_down_at_publish_and_restart_empty(
    sqlite_url: str, private_redis: RedisServer
) -> None:
    settings = make_settings(sqlite_url, private_redis.url, "ldt-loss")
    async with AsyncExitStack() as stack:
        c = await build(settings, stack)
        await c.streams.ensure_group()
        # 1. Published while Redis is up, then Redis dies before anyone consumed it.
        first = await c.intake.receive(
            ContactCreate(channel="sms", sender="13800000011", text="小区停水两天了"),
            actor="gateway",
        )
        assert await c.redis.xlen(c.streams.stream) == 1
        private_redis.stop(kill=True)
        # 2. Committed while Redis is down: the request still succeeds.
        second = await c.intake.receive(
            ContactCreate(channel="app", sender="13800000012", text="路边有人晕倒了"),
            actor="gateway",
        )
        assert second.case_number != first.case_number
        # 3. Redis comes back with nothing: no stream, no group, no queue.
        private_redis.wipe()
        private_redis.start()
        assert await c.redis.exists(c.streams.stream) == 0

        stop = asyncio.Event()
        task = asyncio.create_task(
            run_worker(settings, "after-restart", stop, install_signals=False)
        )
        try:
            await intake_settled(c.db, c.redis, c.streams.stream, c.streams.group, 30)
        finally:
            stop.set()
            await asyncio.wait_for(task, 10)

        async with c.db.session() as s:
            assert await unprocessed(s) == 0
            counts = await classify_counts(s)
        assert sorted(counts.values()) == [1, 1]
        assert {first.case_number, second.case_number} <= await c.workqueue.members()
