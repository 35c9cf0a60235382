"""发送答复 from the console: the reply goes to the citizen on their own channel and is
listed with the case; WeChat outside its 48-hour window gets a template message."""

from __future__ import annotations

import httpx
import pytest

from core.delivery.models import State
from simulators.sms import FakeSmsServer
from simulators.wechat import FakeWeChatServer
from tests.conftest import login
from tests.delivery.conftest import Env

pytestmark = pytest.mark.anyio
OPENID = "oQX110demoCitizen000000000001"


async def reply(client: httpx.AsyncClient, number: str, text: str) -> httpx.Response:
    headers = await login(client, "calltaker", "demo-calltaker-110")
    return await client.post(f"/api/v1/cases/{number}/replies", json={"text": text},
                             headers=headers)  # fmt: skip


async def test_a_reply_to_an_sms_citizen_goes_out_by_sms_and_is_listed_with_the_case(
    env: Env, client: httpx.AsyncClient, sms_api: FakeSmsServer
) -> None:
    number, _ = await env.case("13985710007")
    r = await reply(client, number, "您好，已通知新仁乡综治中心处理。")
    assert r.status_code == 200, r.text
    [staged] = r.json()["items"]
    assert staged["purpose"] == "reply" and staged["channel"] == "sms"
    await env.worker.settle(staged["id"], 20)
    assert [(m.phone, m.text) for m in sms_api.state.sent] == [
        ("13985710007", "您好，已通知新仁乡综治中心处理。")
    ]
    headers = await login(client, "calltaker", "demo-calltaker-110")
    listed = await client.get(f"/api/v1/cases/{number}/deliveries", headers=headers)
    [item] = listed.json()["items"]
    assert item["state"] == "sent" and item["recipient"] == "139****0007"
    empty = await reply(client, number, "   ")
    assert empty.status_code == 422


async def test_wechat_replies_use_customer_service_and_a_template_outside_48_hours(
    env: Env, client: httpx.AsyncClient, wechat_api: FakeWeChatServer
) -> None:
    fresh, _ = await env.case(OPENID, channel="wechat")
    r = await reply(client, fresh, "您好，已派单处理。")
    [staged] = r.json()["items"]
    assert (await env.worker.settle(staged["id"], 20)).provider == "wechat-cs"
    assert wechat_api.state.custom[-1]["text"]["content"] == "您好，已派单处理。"
    old = "oQX110demoCitizen000000000002"
    wechat_api.state.window_closed.add(old)
    stale, _ = await env.case(old, channel="wechat")
    [staged] = (await reply(client, stale, "您好，问题已办结。")).json()["items"]
    row = await env.worker.settle(staged["id"], 20)
    assert row.state == State.sent and row.provider == "wechat-template"
    assert wechat_api.state.template_sent[-1]["data"]["remark"]["value"] == "您好，问题已办结。"


async def test_a_reply_to_a_weibo_citizen_is_flagged_for_a_person_not_dropped(
    env: Env, client: httpx.AsyncClient
) -> None:
    number, _ = await env.case("weibo-uid-5566778899", channel="weibo")
    [staged] = (await reply(client, number, "您好，已收到。")).json()["items"]
    assert staged["state"] == "flagged" and staged["channels"] == []
    missing = await reply(client, "QX-20000101-99999", "x")
    assert missing.status_code == 404 and missing.json()["error_id"] == "case-not-found"
