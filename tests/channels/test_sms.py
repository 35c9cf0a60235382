"""SMS: provider callbacks in Aliyun's and Tencent's real formats, outbound through
the official SDKs against a local API that verifies their request signatures."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from channels.models import OutboundStatus
from channels.sms.models import normalize_phone, split_long
from channels.sms.settings import DEMO_CALLBACK_SECRET, TencentSmsSettings
from channels.sms.tencent import TencentSmsAdapter
from channels.tables import OutboundMessageRow
from channels.wiring import Channels
from core.cases.tables import ContactRow
from simulators.sms import FakeSmsServer, receipt_time
from tests.channels.conftest import contact_count

pytestmark = pytest.mark.anyio
TOKEN = {"token": DEMO_CALLBACK_SECRET}
PHONE = "13985710001"
NUMBER = re.compile(r"QX-\d{8}-\d{5}")


def aliyun_up(text: str, seq: int, phone: str = PHONE) -> bytes:
    item = {
        "phone_number": phone,
        "send_time": receipt_time(),
        "content": text,
        "sign_name": "黔西市联动中心",
        "dest_code": "1069",
        "sequence_id": seq,
    }
    return json.dumps([item], ensure_ascii=False).encode()


async def outbox(channels: Channels) -> list[OutboundMessageRow]:
    async with channels.core.db.session() as s:
        return list(await s.scalars(select(OutboundMessageRow).order_by(OutboundMessageRow.id)))


async def test_aliyun_up_sms_opens_one_case_and_one_reply_even_when_pushed_twice(
    ch_client: httpx.AsyncClient, channels: Channels, sms_api: FakeSmsServer
) -> None:
    body = aliyun_up("锦星镇有人偷牛", 900001)
    for _ in range(2):  # Aliyun pushes again when it did not see our ack
        r = await ch_client.post("/channels/sms/aliyun/up", params=TOKEN, content=body)
        assert r.status_code == 200 and r.json() == {"code": 0, "msg": "成功"}
    assert await contact_count(channels, "sms") == 1
    async with channels.core.db.session() as s:
        c = (await s.scalars(select(ContactRow))).one()
    assert c.sender == PHONE and c.text == "锦星镇有人偷牛"
    assert await channels.outbound_sender().send_pending() == 1
    [sent] = sms_api.state.sent
    assert sent.provider == "aliyun" and sent.phone == PHONE
    assert sent.text.startswith("已受理，编号 QX-") and NUMBER.search(sent.text)
    [row] = await outbox(channels)
    assert row.status == "sent" and row.vendor_id == sent.vendor_id and row.parts == 1
    assert sms_api.state.rejected_signatures == 0


async def test_callbacks_without_the_secret_are_refused_and_write_nothing(
    ch_client: httpx.AsyncClient, channels: Channels
) -> None:
    body = aliyun_up("伪造", 900002)
    r = await ch_client.post("/channels/sms/aliyun/up", content=body)
    assert r.status_code == 401 and r.json()["error_id"] == "callback-token-invalid"
    r = await ch_client.post("/channels/sms/aliyun/up", params={"token": "x"}, content=body)
    assert r.status_code == 401
    r = await ch_client.post("/channels/sms/tencent/reply", params=TOKEN, content=b"{not json")
    assert r.status_code == 400 and r.json()["error_id"] == "sms-callback-invalid"
    r = await ch_client.post("/channels/sms/aliyun/up", params=TOKEN, content=b'[{"x": 1}]')
    assert r.status_code == 400
    assert await contact_count(channels) == 0


async def test_tencent_reply_callback_and_query_by_sms(
    ch_client: httpx.AsyncClient, channels: Channels, sms_api: FakeSmsServer
) -> None:
    reply = {
        "extend": "",
        "mobile": PHONE,
        "nationcode": "86",
        "sign": "黔西市联动中心",
        "text": "雨朵镇路面塌陷",
        "time": 1795640000,
    }
    r = await ch_client.post("/channels/sms/tencent/reply", params=TOKEN, json=reply)
    assert r.status_code == 200 and r.json() == {"result": 0, "errmsg": "OK"}
    r = await ch_client.post("/channels/sms/tencent/reply", params=TOKEN, json=reply)
    assert await contact_count(channels, "sms") == 1
    await channels.outbound_sender().send_pending()
    number = NUMBER.findall(sms_api.state.sent[0].text)[0]
    query = {**reply, "text": f"查询 {number}", "time": 1795640100}
    await ch_client.post("/channels/sms/tencent/reply", params=TOKEN, json=query)
    await channels.outbound_sender().send_pending()
    assert "当前状态：受理" in sms_api.state.sent[1].text and number in sms_api.state.sent[1].text


async def test_receipts_are_idempotent_and_never_regress(
    ch_client: httpx.AsyncClient, channels: Channels, sms_api: FakeSmsServer
) -> None:
    await ch_client.post("/channels/sms/aliyun/up", params=TOKEN, content=aliyun_up("求助", 77))
    await channels.outbound_sender().send_pending()
    [row] = await outbox(channels)
    report = {
        "phone_number": PHONE,
        "send_time": receipt_time(),
        "report_time": receipt_time(),
        "success": True,
        "err_code": "DELIVERED",
        "err_msg": "用户接收成功",
        "sms_size": "1",
        "biz_id": row.vendor_id,
        "out_id": "",
    }
    for _ in range(2):
        r = await ch_client.post("/channels/sms/aliyun/report", params=TOKEN, json=[report])
        assert r.json()["code"] == 0
    late_failure = {**report, "success": False, "err_code": "MK:0001"}
    await ch_client.post("/channels/sms/aliyun/report", params=TOKEN, json=[late_failure])
    assert channels.sms is not None
    assert not await channels.outbound.receipt("sms", row.vendor_id or "", OutboundStatus.sent)
    [row] = await outbox(channels)
    assert row.status == "delivered" and row.delivered_at is not None


async def test_tencent_status_callback_marks_failure_then_delivery_wins(
    ch_client: httpx.AsyncClient, channels: Channels
) -> None:
    await channels.outbound.enqueue("sms", "sms", PHONE, {"text": "x"}, dedupe_key="t1")
    async with channels.core.db.session() as s:
        row = (await s.scalars(select(OutboundMessageRow))).one()
        row.status, row.vendor_id = "sent", "2019:6789"
    item = {
        "user_receive_time": receipt_time(),
        "nationcode": "86",
        "mobile": PHONE,
        "report_status": "FAIL",
        "errmsg": "MI:0013",
        "description": "用户短信送达失败",
        "sid": "2019:6789",
    }
    r = await ch_client.post("/channels/sms/tencent/status", params=TOKEN, json=[item])
    assert r.json() == {"result": 0, "errmsg": "OK"}
    assert (await outbox(channels))[0].status == "failed"
    ok = {**item, "report_status": "SUCCESS", "errmsg": "DELIVRD"}
    await ch_client.post("/channels/sms/tencent/status", params=TOKEN, json=[ok])
    assert (await outbox(channels))[0].status == "delivered"


async def test_long_notice_is_split_into_numbered_parts_each_sent_once(
    channels: Channels, sms_api: FakeSmsServer
) -> None:
    assert channels.sms is not None
    text = "您的工单已办结。" + "处置情况说明" * 80
    await channels.sms.notify(PHONE, text, case_number=None, dedupe_key="done:1")
    await channels.sms.notify(PHONE, text, case_number=None, dedupe_key="done:1")
    await channels.outbound_sender().send_pending()
    parts = [s.text for s in sms_api.state.sent]
    assert len(parts) == len(split_long(text, 300)) >= 2
    assert parts[0].startswith(f"(1/{len(parts)})") and all(len(p) <= 300 for p in parts)


async def test_tencent_sdk_sends_and_a_wrong_key_is_rejected_by_signature(
    sms_api: FakeSmsServer,
) -> None:
    s = TencentSmsSettings(endpoint=sms_api.endpoint, protocol="http://")
    d = await TencentSmsAdapter(s).send(PHONE, "测试通知")
    assert d.vendor_id and sms_api.state.sent[-1].phone == "+86" + PHONE
    bad = TencentSmsAdapter(s.model_copy(update={"secret_key": SecretStr("wrong")}))
    from channels.sms.errors import SmsSendError

    with pytest.raises(SmsSendError) as info:
        await bad.send(PHONE, "x")
    assert info.value.details["code"] == "AuthFailure.SignatureFailure"
    assert sms_api.state.rejected_signatures == 1


async def test_send_failures_are_retried_then_marked_failed(
    channels: Channels, sms_api: FakeSmsServer
) -> None:
    sms_api.state.aliyun_keys.clear()  # the provider no longer knows our key
    await channels.outbound.enqueue("sms", "sms", PHONE, {"text": "x"}, dedupe_key="f1")
    sender = channels.outbound_sender()
    for _ in range(3):
        await sender.send_pending()
    [row] = await outbox(channels)
    assert (
        row.status == "failed" and row.attempts == 3 and "sms-send-failed" in (row.last_error or "")
    )


def test_phone_numbers_are_normalized() -> None:
    assert normalize_phone("+8613985710001") == "13985710001"
    assert normalize_phone("008613985710001") == "13985710001"
    assert normalize_phone("91234567", "852") == "+85291234567"
