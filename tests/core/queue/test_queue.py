"""The intake stream's failure paths and the work queue's recovery, on real Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import pytest

from core.auth.models import Principal, Role
from core.cases.schemas import ContactCreate
from core.queue.consumer import StreamConsumer
from core.queue.streams import Entry
from core.triage.janitor import Janitor
from core.wiring import CoreServices, intake_processor
from liandong.settings import Settings
from liandong.wiring import build

pytestmark = pytest.mark.anyio

AUDITOR = Principal(0, "auditor", Role.auditor, "审计")


@pytest.fixture
async def c(settings: Settings) -> AsyncIterator[CoreServices]:
    async with AsyncExitStack() as stack:
        container = await build(settings, stack)
        await container.streams.ensure_group()
        yield container


async def test_an_entry_that_keeps_failing_goes_to_the_dead_letter_stream(c: CoreServices) -> None:
    await c.intake.receive(
        ContactCreate(channel="sms", sender="13800000041", text="测试"), actor="gateway"
    )
    attempts = 0

    async def broken(entry: Entry) -> None:
        nonlocal attempts
        attempts += 1
        raise RuntimeError("handler bug")

    consumer = StreamConsumer(
        c.streams, "c1", broken, claim_idle_ms=100, max_deliveries=3, block_ms=50
    )
    for _ in range(100):
        await consumer.poll_once()
        if (await c.streams.stats())["dead"]:
            break
        await asyncio.sleep(0.06)
    stats = await c.streams.stats()
    assert stats == {"length": 1, "pending": 0, "dead": 1}
    assert attempts == 3  # delivered max_deliveries times, then set aside
    dead = await c.redis.xrange(c.streams.dead)
    fields = {k.decode(): v.decode() for k, v in dead[0][1].items()}
    assert fields["deliveries"] == "4"
    assert "failed 3 deliveries" in fields["reason"]


async def test_duplicate_delivery_changes_nothing(c: CoreServices) -> None:
    created = await c.intake.receive(
        ContactCreate(channel="app", sender="13800000042", text="有人打架"), actor="gateway"
    )
    processor = intake_processor(c, "p")
    entry = (await c.streams.read("p", count=10, block_ms=100))[0]
    await processor(entry)
    await processor(entry)  # the same entry again, e.g. after a re-claim
    events = await c.cases.events(created.case_number, AUDITOR)
    assert [e.action for e in events] == ["create", "classify"]


async def test_janitor_rebuilds_a_work_queue_redis_lost(c: CoreServices) -> None:
    numbers = []
    processor = intake_processor(c, "p")
    for i, text in enumerate(("着火了", "咨询社保", "车祸有人受伤")):
        numbers.append(
            (
                await c.intake.receive(
                    ContactCreate(channel="app", sender=f"1380000004{i}", text=text),
                    actor="gateway",
                )
            ).case_number
        )
    for entry in await c.streams.read("p", count=10, block_ms=100):
        await processor(entry)
    before = [i.case_number for i in await c.workqueue.list()]
    assert sorted(before) == sorted(numbers)
    await c.redis.delete(c.workqueue.key)  # Redis lost the index
    janitor = Janitor(c.db, c.streams, c.workqueue, c.orgmap)
    assert await janitor.reconcile() == {"added": 3, "removed": 0}
    assert [i.case_number for i in await c.workqueue.list()] == before  # same order
    assert await janitor.reconcile() == {"added": 0, "removed": 0}
