"""Fixtures for channel tests: the platform app with the channels included, a
WeChat pusher that signs/encrypts as WeChat does, and the local WeChat API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from channels.sms.settings import AliyunSmsSettings, TencentSmsSettings
from channels.wechat.settings import DEMO_AES_KEY, DEMO_APP_ID, DEMO_APP_SECRET, DEMO_TOKEN
from channels.weibo.settings import WeiboSettings
from channels.wiring import Channels
from core.cases.tables import ContactRow
from liandong.app import create_app
from liandong.settings import Settings
from simulators.sms import FakeSmsServer
from simulators.wechat import FakeWeChatServer, WeChatPusher
from simulators.weibo import FakeWeiboServer

TEMPLATES = {"qx-progress-template", "qx-evaluation-template"}


@pytest.fixture
def wechat_api() -> Iterator[FakeWeChatServer]:
    with FakeWeChatServer(DEMO_APP_ID, DEMO_APP_SECRET, TEMPLATES) as server:
        yield server


@pytest.fixture
def channel_settings(
    settings: Settings,
    wechat_api: FakeWeChatServer,
    sms_api: FakeSmsServer,
    weibo_api: FakeWeiboServer,
    tmp_path: object,
) -> Settings:
    # Every vendor API is a local fake: tests never reach a public host.
    settings.channels.wechat.api_base = wechat_api.url
    # Passive replies are asserted here; a loaded test machine must not turn them into
    # write-ahead answers (tests/delivery/test_wechat_ahead.py covers those).
    settings.channels.wechat.reply_within_s = 4.0
    settings.channels.weibo.api_base = weibo_api.url
    settings.channels.weibo.message_api_base = weibo_api.url
    for provider in (settings.channels.sms.aliyun, settings.channels.sms.tencent):
        provider.endpoint = sms_api.endpoint
    settings.channels.sms.aliyun.protocol = "HTTP"
    settings.channels.sms.tencent.protocol = "http://"
    settings.var_dir = tmp_path  # type: ignore[assignment]
    return settings


@pytest.fixture
async def ch_app(channel_settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(channel_settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def ch_client(ch_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=ch_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def channels(ch_app: FastAPI) -> Channels:
    ch: Channels = ch_app.state.channels
    return ch


@pytest.fixture
def pusher() -> WeChatPusher:
    return WeChatPusher(DEMO_TOKEN, DEMO_APP_ID, DEMO_AES_KEY)


async def contact_count(channels: Channels, channel: str | None = None) -> int:
    q = select(func.count()).select_from(ContactRow)
    if channel:
        q = q.where(ContactRow.channel == channel)
    async with channels.core.db.session() as s:
        return int(await s.scalar(q) or 0)


@pytest.fixture
def sms_api() -> Iterator[FakeSmsServer]:
    aliyun, tencent = AliyunSmsSettings(), TencentSmsSettings()
    with FakeSmsServer(
        {aliyun.access_key_id: aliyun.access_key_secret.get_secret_value()},
        {tencent.secret_id: tencent.secret_key.get_secret_value()},
    ) as server:
        yield server


@pytest.fixture
def weibo_api() -> Iterator[FakeWeiboServer]:
    with FakeWeiboServer(WeiboSettings().access_token.get_secret_value()) as server:
        yield server
