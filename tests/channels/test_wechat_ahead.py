"""WeChat within 5 s, always (issue 13): with the database stalled, a push is written
ahead to Redis and answered "success" within 1 s; WeChat's retries of the same MsgId
stay one case; once the database is back the push is replayed and answered once by a
customer-service message."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from channels.wiring import Channels
from liandong.app import create_app
from liandong.settings import Settings
from simulators.wechat import FakeWeChatServer, WeChatPusher, message_xml
from tests.channels.conftest import contact_count

pytestmark = pytest.mark.anyio
OPENID = "oQX110demoStalledDb0000000001"
AppClient = tuple[FastAPI, httpx.AsyncClient]


@pytest.fixture
async def stall_client(
    channel_settings: Settings,
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    channel_settings.channels.wechat.reply_within_s = 0.5
    app = create_app(channel_settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield app, c


async def test_a_push_is_answered_within_1s_with_the_database_stalled_then_answered_once(
    stall_client: AppClient,
    channel_settings: Settings,
    pusher: WeChatPusher,
    wechat_api: FakeWeChatServer,
) -> None:
    app, client = stall_client
    ch: Channels = app.state.channels
    assert ch.wechat_ahead is not None
    path = channel_settings.database.url.removeprefix("sqlite+aiosqlite:///")
    blocker = sqlite3.connect(path, timeout=1)
    blocker.execute("BEGIN EXCLUSIVE")  # every writer now waits: the database is stalled
    xml = message_xml("text", OPENID, msg_id=6100000000000000913, Content="新仁乡路灯坏了")
    try:
        took = []
        for _ in range(3):  # WeChat's retries of one MsgId
            start = time.monotonic()
            r = await pusher.send(client, xml)
            took.append(time.monotonic() - start)
            assert r.status_code == 200 and r.text == "success", r.text
        assert max(took) < 1.0, took
    finally:
        blocker.rollback()
        blocker.close()
    stop = asyncio.Event()
    replay = asyncio.create_task(ch.wechat_ahead.run(stop))
    sender = ch.outbound_sender()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not wechat_api.state.custom:
            await sender.send_pending()
            await asyncio.sleep(0.1)
    finally:
        stop.set()
        await asyncio.wait_for(replay, 10)
    for _ in range(5):
        await sender.send_pending()  # anything a second replay would have queued
    assert await contact_count(ch, "wechat") == 1
    [answer] = wechat_api.state.custom
    assert answer["touser"] == OPENID
    assert answer["text"]["content"].startswith("已受理，编号 QX-")
