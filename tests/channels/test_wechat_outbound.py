"""Outbound WeChat messages through wechatpy's client against the local WeChat API:
a token shared in Redis, refreshed once under a lock, 42001/40001 handled."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from channels.wechat.client import WeChatAdapter, WeChatSendError
from channels.wechat.settings import WeChatSettings
from simulators.wechat import FakeWeChatServer

pytestmark = pytest.mark.anyio
OPENID = "oQX110citizen000000000000003"


@pytest.fixture
def adapters(
    wechat_api: FakeWeChatServer, redis_url: str, redis_prefix: str
) -> Iterator[list[WeChatAdapter]]:
    """Four adapters = four worker processes sharing one Redis."""
    s = WeChatSettings(api_base=wechat_api.url)
    made = [WeChatAdapter(s, redis_url, redis_prefix) for _ in range(4)]
    yield made
    for a in made:
        a.close()


async def test_custom_and_template_messages_reach_wechat(
    adapters: list[WeChatAdapter], wechat_api: FakeWeChatServer
) -> None:
    a = adapters[0]
    assert (await a.send_text(OPENID, "您的工单已办结"))["errcode"] == 0
    res = await a.send_template(
        OPENID, "qx-progress-template", {"first": {"value": "工单进度"}}, url=None
    )
    assert res["msgid"] > 0
    assert wechat_api.state.custom[0]["text"]["content"] == "您的工单已办结"
    assert wechat_api.state.template_sent[0]["touser"] == OPENID
    assert wechat_api.state.token_fetches == 1


async def test_workers_share_one_token_and_refresh_it_once_under_a_lock(
    adapters: list[WeChatAdapter], wechat_api: FakeWeChatServer
) -> None:
    await asyncio.gather(*(a.send_text(OPENID, f"消息{i}") for i, a in enumerate(adapters)))
    assert wechat_api.state.token_fetches == 1
    # The token expires on WeChat's side (42001): every worker notices at once,
    # exactly one fetches a new token, the others reuse it.
    wechat_api.state.expire_all()
    await asyncio.gather(*(a.send_text(OPENID, f"再次{i}") for i, a in enumerate(adapters)))
    assert wechat_api.state.token_fetches == 2
    assert len(wechat_api.state.custom) == 8


async def test_invalid_credential_40001_fetches_a_new_token_and_retries(
    adapters: list[WeChatAdapter], wechat_api: FakeWeChatServer
) -> None:
    a = adapters[0]
    await a.send_text(OPENID, "一")
    wechat_api.state.valid_tokens.clear()  # revoked: WeChat answers 40001
    await a.send_text(OPENID, "二")
    assert wechat_api.state.token_fetches == 2 and len(wechat_api.state.custom) == 2


async def test_vendor_errors_are_translated_once_with_permanence(
    adapters: list[WeChatAdapter], wechat_api: FakeWeChatServer
) -> None:
    wechat_api.state.unsubscribed.add(OPENID)
    with pytest.raises(WeChatSendError) as info:
        await adapters[0].send_text(OPENID, "已取消关注")
    assert info.value.details["errcode"] == 43004 and info.value.permanent
    with pytest.raises(WeChatSendError) as info:
        await adapters[0].send_template("oOther", "no-such-template", {})
    assert info.value.details["errcode"] == 40037


async def test_unreachable_wechat_is_vendor_unavailable(redis_url: str, redis_prefix: str) -> None:
    a = WeChatAdapter(
        WeChatSettings(api_base="http://127.0.0.1:9", api_timeout_s=1), redis_url, redis_prefix
    )
    try:
        with pytest.raises(WeChatSendError) as info:
            await a.send_text(OPENID, "x")
        assert info.value.error_id == "wechat-send-failed" and not info.value.permanent
    finally:
        a.close()
