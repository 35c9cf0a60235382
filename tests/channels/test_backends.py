"""The channel paths that lean on the database's guarantees, on SQLite and PostgreSQL:
concurrent WeChat retries, idempotent outbound enqueue, forward-only receipts,
idempotent media records."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from channels.models import OutboundStatus
from channels.tables import OutboundMessageRow
from channels.wiring import Channels
from core.media.tables import ChannelMediaRow
from liandong.app import create_app
from simulators.wechat import FakeWeChatServer, WeChatPusher, message_xml
from tests.channels.conftest import contact_count
from tests.conftest import make_settings

pytestmark = pytest.mark.anyio


@pytest.fixture
async def both(
    db_url: str,
    redis_url: str,
    redis_prefix: str,
    wechat_api: FakeWeChatServer,
    tmp_path: Path,
) -> AsyncIterator[tuple[httpx.AsyncClient, Channels]]:
    settings = make_settings(db_url, redis_url, redis_prefix)
    settings.channels.wechat.api_base = wechat_api.url
    settings.var_dir = tmp_path
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            yield client, app.state.channels


async def test_concurrent_wechat_retries_make_one_case(
    both: tuple[httpx.AsyncClient, Channels], pusher: WeChatPusher
) -> None:
    client, ch = both
    xml = message_xml("image", "oBackend", msg_id=8801, MediaId="m-8801", PicUrl="http://x/1.jpg")
    rs = await asyncio.gather(*(pusher.send(client, xml) for _ in range(3)))
    numbers = {re.findall(r"QX-\d{8}-\d{5}", pusher.open_reply(r.text))[0] for r in rs}
    assert len(numbers) == 1
    assert await contact_count(ch, "wechat") == 1
    async with ch.core.db.session() as s:
        assert len((await s.scalars(select(ChannelMediaRow))).all()) == 1


async def test_outbound_enqueue_is_idempotent_and_receipts_only_move_forward(
    both: tuple[httpx.AsyncClient, Channels],
) -> None:
    _, ch = both
    for _ in range(2):
        await ch.outbound.enqueue("sms", "sms", "13985710009", {"text": "x"}, dedupe_key="k")
    async with ch.core.db.session() as s:
        row = (await s.scalars(select(OutboundMessageRow))).one()
        row.status, row.vendor_id = "sent", "v-1"
    assert await ch.outbound.receipt("sms", "v-1", OutboundStatus.delivered)
    assert not await ch.outbound.receipt("sms", "v-1", OutboundStatus.delivered)
    assert not await ch.outbound.receipt("sms", "v-1", OutboundStatus.failed)
    assert not await ch.outbound.receipt("sms", "v-1", OutboundStatus.sent)
    async with ch.core.db.session() as s:
        assert (await s.scalars(select(OutboundMessageRow))).one().status == "delivered"
