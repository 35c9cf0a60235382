"""The live feed at city scale: one reader per API process fanned out to every feed,
off the API's Redis pool, capped per user."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis

from agent_desktop.settings import DeskSettings
from liandong.app import create_app
from liandong.settings import Settings
from tests.agent_desktop.test_desk_api import events
from tests.conftest import login
from tests.telephony.phones import eventually

pytestmark = pytest.mark.anyio
FEEDS = 200  # above the 150 that starved the API's pool when each feed polled Redis


async def _open_feeds(hub: Any, n: int) -> None:
    async def joined() -> bool:
        return bool(hub.feeds >= n)

    await eventually(joined, 30, f"{n} feeds joined")


@pytest.fixture
async def wide_app(settings: Settings) -> AsyncIterator[FastAPI]:
    roomy = settings.model_copy(update={"desk": DeskSettings(feeds_per_user=FEEDS)})
    application = create_app(roomy)
    async with application.router.lifespan_context(application):
        yield application


async def test_one_reader_serves_every_feed_while_the_queue_api_keeps_answering(
    wide_app: FastAPI, settings: Settings, redis_url: str
) -> None:
    transport = httpx.ASGITransport(app=wide_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        h = await login(client, "calltaker", "demo-calltaker-110")
        hub = wide_app.state.desk.hub
        feeds = [
            asyncio.create_task(client.get("/api/v1/desk/events?max_s=3", headers=h, timeout=30))
            for _ in range(FEEDS)
        ]
        await _open_feeds(hub, FEEDS)
        # Before the hub, each of these feeds held a pooled connection: the API's own
        # requests found none left and answered 503.
        for _ in range(5):
            r = await client.get("/api/v1/queue", headers=h)
            assert r.status_code == 200, r.text
        redis = Redis.from_url(redis_url, decode_responses=True)
        key = f"{settings.redis.prefix}:tel:events"
        sent = await redis.xadd(key, {"channel_id": "hub-1", "caller": "13900003333"})
        await redis.aclose()
        bodies = [r.text for r in await asyncio.gather(*feeds)]
    for body in bodies:
        calls = [(i, d) for e, i, d in events(body) if e == "call"]
        assert [d["channel_id"] for _i, d in calls] == ["hub-1"]
        assert calls[0][0] is not None and calls[0][0].startswith(f"{sent}|")
        assert calls[0][1]["caller"] == "13900003333"  # call takers hold phones:full
    assert hub.feeds == 0


async def test_a_users_feed_beyond_the_cap_closes_their_oldest(
    settings: Settings,
) -> None:
    capped = settings.model_copy(update={"desk": DeskSettings(feeds_per_user=2)})
    application = create_app(capped)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            h = await login(c, "leader", "demo-leader-110")
            hub = application.state.desk.hub
            tabs = []
            for n in range(1, 4):
                tabs.append(asyncio.create_task(c.get("/api/v1/desk/events?max_s=2", headers=h)))
                await _open_feeds(hub, min(n, 2))
            oldest = await asyncio.wait_for(tabs[0], 5)  # closed long before its 2 s
            assert not tabs[2].done()
            assert events(oldest.text)[-1][:1] == ("bye",)
            assert events(oldest.text)[-1][2] == {"reconnect": False, "reason": "replaced"}
            assert hub.feeds == 2
            rest = await asyncio.gather(*tabs[1:])
    assert all(events(r.text)[-1][2] == {"reconnect": True} for r in rest)
