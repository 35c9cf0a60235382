"""Citizens are told as their case moves (R10): WeChat templates and SMS, each
once, sent by the channels' worker against the local WeChat and SMS APIs."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from channels import worker
from channels.notices import NoticeWatcher
from channels.wiring import Channels
from simulators.sms import FakeSmsServer
from simulators.wechat import FakeWeChatServer, WeChatPusher, message_xml
from tests.conftest import login

pytestmark = pytest.mark.anyio
OPENID = "oQX110citizen000000000000005"
PHONE = "13985710005"


async def test_completion_is_told_by_wechat_template_and_sms_once(
    ch_client: httpx.AsyncClient,
    channels: Channels,
    pusher: WeChatPusher,
    wechat_api: FakeWeChatServer,
    sms_api: FakeSmsServer,
) -> None:
    r = await pusher.send(ch_client, message_xml("text", OPENID, msg_id=71, Content="井盖丢了"))
    number = re.findall(r"QX-\d{8}-\d{5}", pusher.open_reply(r.text))[0]
    gw = await login(ch_client, "gateway", "demo-gateway-110")
    r = await ch_client.post(
        "/api/v1/channels/app/reports",
        json={"report_id": "n-1", "phone": PHONE, "text": "井盖丢了"},
        headers=gw,
    )
    other = r.json()["case_number"]
    boss = await login(ch_client, "dispatcher", "demo-dispatcher-110")
    for n in (number, other):
        r = await ch_client.post(
            f"/api/v1/cases/{n}/actions/resolve_directly",
            json={"reason": "已联系市政补装", "note": "已联系市政补装"},
            headers=boss,
        )
        assert r.status_code == 200, r.text
    c = channels.core
    watcher = NoticeWatcher(c.db, channels.outbound, channels.settings, c.clock)
    assert await watcher.poll() > 0
    assert await watcher.poll() == 0  # the cursor moved on
    # A watcher that lost its cursor save re-reads events but enqueues nothing new.
    await channels.outbound_sender().send_pending()
    [tpl] = wechat_api.state.template_sent
    assert tpl["touser"] == OPENID and tpl["template_id"] == "qx-evaluation-template"
    assert tpl["data"]["keyword1"]["value"] == number
    [sms] = sms_api.state.sent
    assert sms.phone == PHONE and other in sms.text and "已办结" in sms.text


async def test_channels_worker_runs_all_loops_and_stops(
    channels: Channels, sms_api: FakeSmsServer
) -> None:
    await channels.outbound.enqueue("sms", "sms", PHONE, {"text": "worker 测试"}, dedupe_key="w1")
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(channels, stop))
    for _ in range(100):
        if sms_api.state.sent:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, 10)
    assert [s.text for s in sms_api.state.sent] == ["worker 测试"]
