"""WeChat pushes end to end: signed and encrypted with wechatpy's own crypto, as
WeChat's servers do, POSTed to the endpoint, the encrypted reply opened again."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from channels.wiring import Channels
from core.cases.tables import ContactRow
from core.media.tables import ChannelMediaRow
from simulators.wechat import WeChatPusher, message_xml
from tests.channels.conftest import contact_count

pytestmark = pytest.mark.anyio
OPENID = "oQX110citizen000000000000001"
NUMBER = re.compile(r"QX-\d{8}-\d{5}")


def content_of(pusher: WeChatPusher, r: httpx.Response) -> str:
    assert r.status_code == 200, r.text
    reply = pusher.open_reply(r.text)
    m = re.search(r"<Content><!\[CDATA\[(.*)\]\]></Content>", reply, re.S)
    assert m, reply
    assert f"<ToUserName><![CDATA[{OPENID}]]></ToUserName>" in reply
    return m.group(1)


async def test_url_verification_echoes_echostr_only_when_signed(
    ch_client: httpx.AsyncClient, pusher: WeChatPusher
) -> None:
    push = pusher.build("")
    params = {k: push.params[k] for k in ("signature", "timestamp", "nonce")}
    r = await ch_client.get("/channels/wechat", params={**params, "echostr": "4711abc"})
    assert r.status_code == 200 and r.text == "4711abc"
    bad = {**params, "signature": "0" * 40, "echostr": "4711abc"}
    r = await ch_client.get("/channels/wechat", params=bad)
    assert r.status_code == 401 and r.json()["error_id"] == "channel-signature-invalid"
    assert "4711abc" not in r.text


async def test_encrypted_text_gets_encrypted_reply_with_case_number_and_retry_same_number(
    ch_client: httpx.AsyncClient, pusher: WeChatPusher, channels: Channels
) -> None:
    xml = message_xml("text", OPENID, msg_id=6100000000000000001, Content="我家门口有人打架")
    first = content_of(pusher, await pusher.send(ch_client, xml))
    assert first.startswith("已受理，编号 QX-") and "回复'查询'可查进度" in first
    # WeChat's retry: same MsgId, a new request (new nonce and timestamp).
    again = content_of(pusher, await pusher.send(ch_client, xml))
    assert NUMBER.findall(first) == NUMBER.findall(again)
    assert await contact_count(channels, "wechat") == 1


async def test_three_concurrent_deliveries_of_one_msgid_make_one_case(
    ch_client: httpx.AsyncClient, pusher: WeChatPusher, channels: Channels
) -> None:
    xml = message_xml("text", OPENID, msg_id=6100000000000000002, Content="路边有车着火")
    replies = await asyncio.gather(*(pusher.send(ch_client, xml) for _ in range(3)))
    numbers = {NUMBER.findall(content_of(pusher, r))[0] for r in replies}
    assert len(numbers) == 1
    assert await contact_count(channels, "wechat") == 1


async def test_events_dedupe_on_sender_and_create_time_and_menu_clicks_answer(
    ch_client: httpx.AsyncClient, pusher: WeChatPusher, channels: Channels
) -> None:
    sub = message_xml("event", OPENID, Event="subscribe")
    assert "联动中心" in content_of(pusher, await pusher.send(ch_client, sub))
    click = message_xml("event", OPENID, Event="CLICK", EventKey="REPORT")
    assert "位置" in content_of(pusher, await pusher.send(ch_client, click))
    click = message_xml("event", OPENID, Event="CLICK", EventKey="EVALUATE")
    assert "评价" in content_of(pusher, await pusher.send(ch_client, click))
    click = message_xml("event", OPENID, Event="CLICK", EventKey="PROGRESS")
    assert "还没有提交过工单" in content_of(pusher, await pusher.send(ch_client, click))
    unsub = message_xml("event", OPENID, Event="unsubscribe")
    r = await pusher.send(ch_client, unsub)
    assert r.status_code == 200 and r.text == "success"
    assert await contact_count(channels) == 0


async def test_voice_with_recognition_becomes_text_without_it_is_kept_for_asr(
    ch_client: httpx.AsyncClient, pusher: WeChatPusher, channels: Channels, wechat_api: object
) -> None:
    xml = message_xml(
        "voice", OPENID, msg_id=61003, MediaId="voice-1", Format="amr", Recognition="有人落水了"
    )
    content_of(pusher, await pusher.send(ch_client, xml))
    xml = message_xml("voice", OPENID, msg_id=61004, MediaId="voice-2", Format="amr")
    content_of(pusher, await pusher.send(ch_client, xml))
    async with channels.core.db.session() as s:
        texts = [c.text for c in await s.scalars(select(ContactRow).order_by(ContactRow.id))]
        media = (await s.scalars(select(ChannelMediaRow))).all()
    assert texts == ["有人落水了", ""]
    assert [(m.vendor_media_id, m.kind, m.status) for m in media] == [
        ("voice-2", "audio", "pending")
    ]


async def test_location_message_sets_the_contact_location_from_gps(
    ch_client: httpx.AsyncClient, pusher: WeChatPusher, channels: Channels
) -> None:
    xml = message_xml(
        "location",
        OPENID,
        msg_id=61005,
        Location_X=27.0262,
        Location_Y=106.0321,
        Scale=15,
        Label="贵州省毕节市黔西市莲城街道",
    )
    content_of(pusher, await pusher.send(ch_client, xml))
    async with channels.core.db.session() as s:
        c = (await s.scalars(select(ContactRow))).one()
    assert (c.lat, c.lon, c.location_source) == (27.0262, 106.0321, "gps")
    assert c.address == "贵州省毕节市黔西市莲城街道"


async def test_image_is_evidence_media_fetched_after_the_reply(
    ch_client: httpx.AsyncClient, pusher: WeChatPusher, channels: Channels, wechat_api: object
) -> None:
    from channels.media import MediaFetcher
    from simulators.wechat import FakeWeChatServer

    assert isinstance(wechat_api, FakeWeChatServer)
    wechat_api.state.media["img-1"] = (b"\xff\xd8\xff\xe0fakejpeg", "image/jpeg")
    xml = message_xml(
        "image", OPENID, msg_id=61006, MediaId="img-1", PicUrl="http://mmbiz.qpic.cn/x.jpg"
    )
    content_of(pusher, await pusher.send(ch_client, xml))
    async with channels.core.db.session() as s:
        c = (await s.scalars(select(ContactRow))).one()
    assert c.media == [{"kind": "image", "url": "http://mmbiz.qpic.cn/x.jpg", "sha256": None}]
    assert channels.wechat_api is not None
    fetcher = MediaFetcher(
        channels.core.db, {"wechat": channels.wechat_api}, channels.media_dir, time_clock()
    )
    assert await fetcher.fetch_pending() == 1
    async with channels.core.db.session() as s:
        m = (await s.scalars(select(ChannelMediaRow))).one()
    assert m.status == "fetched" and m.size == 12 and m.content_type == "image/jpeg"
    assert m.path
    assert (await asyncio.to_thread(Path(m.path).read_bytes)).startswith(b"\xff\xd8")


def time_clock() -> Callable[[], datetime]:
    return lambda: datetime.now(UTC)


async def test_query_answers_own_case_status_in_chinese_but_not_others(
    ch_client: httpx.AsyncClient, pusher: WeChatPusher
) -> None:
    xml = message_xml("text", OPENID, msg_id=61007, Content="小区停电了三个小时")
    number = NUMBER.findall(content_of(pusher, await pusher.send(ch_client, xml)))[0]
    q = message_xml("text", OPENID, msg_id=61008, Content=f"查询 {number}")
    answer = content_of(pusher, await pusher.send(ch_client, q))
    assert number in answer and "当前状态：受理" in answer
    q = message_xml("text", OPENID, msg_id=61009, Content="查询")
    assert number in content_of(pusher, await pusher.send(ch_client, q))
    other = "oQX110stranger00000000000009"
    q = message_xml("text", other, msg_id=61010, Content=f"查询 {number}")
    r = await pusher.send(ch_client, q)
    reply = pusher.open_reply(r.text)
    assert "未找到" in reply and "受理" not in reply


async def test_timestamp_outside_window_is_rejected_and_nothing_written(
    ch_client: httpx.AsyncClient, pusher: WeChatPusher, channels: Channels
) -> None:
    xml = message_xml("text", OPENID, msg_id=61011, Content="旧消息重放")
    r = await pusher.send(ch_client, xml, timestamp=int(time.time()) - 3600)
    assert r.status_code == 401 and r.json()["error_id"] == "signature-expired"
    assert await contact_count(channels) == 0
