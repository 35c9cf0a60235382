"""Every channel path ends where call takers look: a case in GET /api/v1/queue.

WeChat, SMS, Weibo, the citizen app, the set-top-box alarm and a grid worker's patrol
report each go through their real endpoint (signed as the vendor or device would),
then the intake worker processes the stream, and the case shows in the queue.
"""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import select

from channels.sms.settings import DEMO_CALLBACK_SECRET
from channels.stb.settings import DEMO_MASTER_SECRET
from channels.stb.signing import device_key
from channels.wiring import Channels
from core.auth.models import Role
from core.cases.tables import CaseRow, ContactRow
from core.orgmap.tables import HouseholdRow, UnitRow
from core.wiring import intake_processor
from simulators.sms import receipt_time
from simulators.stb import FakeSetTopBox
from simulators.wechat import WeChatPusher, message_xml
from simulators.weibo import FakeWeiboServer
from tests.channels.test_wechat_push import NUMBER, OPENID, content_of
from tests.conftest import login

pytestmark = pytest.mark.anyio

GPS = {"lat": 27.03, "lon": 106.03, "accuracy_m": 8}


async def queued_after_processing(
    client: httpx.AsyncClient, channels: Channels, headers: dict[str, str]
) -> dict[str, dict[str, object]]:
    c = channels.core
    await c.streams.ensure_group()
    processor = intake_processor(c, "channels-test")
    while entries := await c.streams.read("channels-test", count=50, block_ms=50):
        for e in entries:
            await processor(e)
            await c.streams.ack(e.id)
    r = await client.get("/api/v1/queue", headers=headers)
    assert r.status_code == 200, r.text
    return {i["case_number"]: i for i in r.json()["items"]}


async def case_numbers_of(channels: Channels, channel: str) -> set[str]:
    async with channels.core.db.session() as s:
        rows = await s.scalars(
            select(CaseRow.number)
            .join(ContactRow, ContactRow.case_id == CaseRow.id)
            .where(ContactRow.channel == channel)
        )
        return set(rows)


async def test_every_channel_path_puts_its_case_in_the_call_takers_queue(
    ch_client: httpx.AsyncClient,
    channels: Channels,
    pusher: WeChatPusher,
    weibo_api: FakeWeiboServer,
) -> None:
    calltaker = await login(ch_client, "calltaker", "demo-calltaker-110")
    gateway = await login(ch_client, "gateway", "demo-gateway-110")
    expected: dict[str, str] = {}

    # WeChat: an encrypted text push gets an encrypted reply with the case number.
    xml = message_xml(
        "text",
        OPENID,
        msg_id=6200000000000000001,
        Content="小区门口有人打架，快来",
    )
    reply = content_of(pusher, await pusher.send(ch_client, xml))
    expected["wechat"] = NUMBER.findall(reply)[0]

    # SMS: an Aliyun upstream-message callback.
    body = json.dumps(
        [
            {
                "phone_number": "13985719901",
                "send_time": receipt_time(),
                "content": "锦星镇有人偷牛",
                "sign_name": "黔西市联动中心",
                "dest_code": "1069",
                "sequence_id": 990001,
            }
        ],
        ensure_ascii=False,
    )
    r = await ch_client.post(
        "/channels/sms/aliyun/up", params={"token": DEMO_CALLBACK_SECRET}, content=body.encode()
    )
    assert r.status_code == 200, r.text
    (expected["sms"],) = await case_numbers_of(channels, "sms")

    # Weibo: an @mention picked up by the poller.
    weibo_api.state.mention("5820119901", "@黔西110 钟山镇加油站旁有车着火了")
    assert await channels.weibo_service().poll_once() == 1
    (expected["weibo"],) = await case_numbers_of(channels, "weibo")

    # Citizen app: a report with GPS.
    r = await ch_client.post(
        "/api/v1/channels/app/reports",
        headers=gateway,
        json={
            "report_id": "app-q-1",
            "phone": "13985719902",
            "text": "村口路灯坏了",
            "location": GPS,
        },
    )
    assert r.status_code == 201, r.text
    expected["app"] = r.json()["case_number"]

    # Set-top box: a one-click alarm signed with the box's own key.
    async with channels.core.db.session() as s:
        device = await s.scalar(
            select(HouseholdRow.stb_device_id)
            .where(HouseholdRow.stb_device_id.is_not(None))
            .order_by(HouseholdRow.id)
            .limit(1)
        )
        grid = await s.scalar(select(UnitRow.id).where(UnitRow.kind == "grid").limit(1))
    assert device is not None and grid is not None
    box = FakeSetTopBox(device, device_key(DEMO_MASTER_SECRET, device, 1))
    r = await box.alarm(ch_client, "A-Q-1")
    assert r.status_code == 200, r.text
    expected["stb_alarm"] = r.json()["case_number"]

    # Grid worker: a patrol report.
    await channels.core.auth.create_user(
        "grid-q", "demo-grid-110", Role.unit_staff, "网格员 赵敏", unit_id=int(grid), demo=True
    )
    worker = await login(ch_client, "grid-q", "demo-grid-110")
    r = await ch_client.post(
        "/api/v1/channels/grid/reports",
        headers=worker,
        json={"report_id": "grid-q-1", "text": "河边护栏断了，有掉下去的危险", "location": GPS},
    )
    assert r.status_code == 201, r.text
    expected["grid"] = r.json()["case_number"]

    queue = await queued_after_processing(ch_client, channels, calltaker)
    for channel, number in expected.items():
        assert number in queue, f"{channel} case {number} is not in the queue"
        assert queue[number]["channel"] == channel
    assert queue[expected["stb_alarm"]]["urgent"] is True  # alarms outrank everything
