"""Demo credentials work end to end; production refuses demo secrets and plaintext."""

from __future__ import annotations

import re
from contextlib import AsyncExitStack

import httpx
import pytest
from pydantic import SecretStr

from channels.wiring import Channels, build_channels
from liandong.demo.channels import DEMO_STB_DEVICE, demo_credentials
from liandong.settings import AuthSettings, Mode, Settings
from liandong.wiring import build
from simulators.stb import FakeSetTopBox
from simulators.wechat import WeChatPusher, message_xml

pytestmark = pytest.mark.anyio


async def test_demo_credentials_drive_wechat_and_the_demo_set_top_box(
    ch_client: httpx.AsyncClient, channels: Channels
) -> None:
    creds = demo_credentials(channels.core.settings)
    w = creds["wechat"]
    assert {"token", "encoding_aes_key", "app_id", "path"} <= set(w)
    pusher = WeChatPusher(w["token"], w["app_id"], w["encoding_aes_key"], w["path"])
    xml = message_xml("text", "oDemo", msg_id=1, Content="演示报警")
    r = await pusher.send(ch_client, xml)
    assert re.search(r"编号 QX-\d{8}-\d{5}", pusher.open_reply(r.text))
    s = creds["stb"]
    assert s["device_id"] == DEMO_STB_DEVICE
    r = await FakeSetTopBox(s["device_id"], s["key"]).alarm(ch_client, "demo-1")
    assert r.status_code == 200, r.text
    assert creds["sms"]["callback_secret"]


async def test_production_refuses_demo_channel_secrets_and_plaintext(
    sqlite_url: str, redis_url: str
) -> None:
    settings = Settings(
        mode=Mode.production,
        auth=AuthSettings(secret_key=SecretStr("x" * 40)),
        telephony={"ari_password": "a" * 24, "seat_secret": "b" * 24},  # type: ignore[arg-type]
        database={"url": sqlite_url},  # type: ignore[arg-type]
        redis={"url": redis_url},  # type: ignore[arg-type]
    )
    problems = settings.channels.production_problems()
    assert any("wechat.token" in p for p in problems)
    assert any("stb.master_secret" in p for p in problems)
    async with AsyncExitStack() as stack:
        c = await build(settings, stack)
        with pytest.raises(ValueError, match="refuse to start in production"):
            await build_channels(c, settings.channels, stack)
    ok = settings.channels.model_copy(deep=True)
    ok.wechat.token = SecretStr("t" * 32)
    ok.wechat.app_secret = SecretStr("s" * 32)
    ok.wechat.encoding_aes_key = None
    ok.wechat.allow_plaintext = True
    assert "channels.wechat.encoding_aes_key is required (safe mode)" in ok.production_problems()
    assert any("allow_plaintext" in p for p in ok.production_problems())


def test_weibo_is_polled_only_with_a_real_account_token() -> None:
    from pydantic import SecretStr

    from channels.weibo.settings import WeiboSettings

    assert not WeiboSettings().polls  # the demo token would only fail every round
    assert WeiboSettings(access_token=SecretStr("2.00real-token")).polls
