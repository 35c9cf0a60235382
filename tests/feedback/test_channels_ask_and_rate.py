"""Asking and rating on the citizen channels: status by SMS ("CX QX-…", any case),
WeChat ("查询 QX-…") and the app (number + phone); a bare WeChat "2" rates the open case."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import select

from channels.wiring import Channels
from core.cases.tables import CaseRow
from core.ratings.tables import RatingRow
from feedback.service import FeedbackService
from simulators.wechat import WeChatPusher, message_xml
from tests.feedback.helpers import completed_case
from tests.feedback.test_sms_and_reopen import last_reply, sms

pytestmark = pytest.mark.anyio
OPENID = "oQX110citizen000000000000077"


def content_of(pusher: WeChatPusher, r: httpx.Response) -> str:
    assert r.status_code == 200, r.text
    m = re.search(r"<Content><!\[CDATA\[(.*)\]\]></Content>", pusher.open_reply(r.text), re.S)
    assert m
    return m.group(1)


async def test_status_by_sms_wechat_and_app_in_plain_chinese(
    ch_client: httpx.AsyncClient, channels: Channels, pusher: WeChatPusher
) -> None:
    c = channels.core
    number, _ = await completed_case(c, sender="13985710001")
    await sms(ch_client, f"cx {number.lower()}")
    reply = await last_reply(channels)
    assert f"工单 {number}" in reply and "当前状态：办结" in reply and "评价" in reply
    await sms(ch_client, f"CX {number}", phone="13985710002")  # not theirs
    assert "未找到" in await last_reply(channels, "13985710002")
    wx_number, _ = await completed_case(c, channel="wechat", sender=OPENID)
    xml = message_xml("text", OPENID, msg_id=77001, Content=f"查询 {wx_number}")
    assert "当前状态：办结" in content_of(pusher, await pusher.send(ch_client, xml))
    r = await ch_client.post(
        "/api/v1/auth/token", data={"username": "gateway", "password": "demo-gateway-110"}
    )
    gateway = {"Authorization": f"Bearer {r.json()['access_token']}"}
    r = await ch_client.get(
        f"/api/v1/channels/app/cases/{number}", params={"phone": "13985710001"}, headers=gateway
    )
    assert r.status_code == 200 and r.json()["state_label"] == "办结"


async def test_a_bare_wechat_reply_rates_the_open_case(
    ch_client: httpx.AsyncClient, channels: Channels, pusher: WeChatPusher
) -> None:
    c = channels.core
    number, _ = await completed_case(c, channel="wechat", sender=OPENID)
    xml = message_xml("text", OPENID, msg_id=77002, Content="？？")
    asked = content_of(pusher, await pusher.send(ch_client, xml))
    assert "未能识别您的评价" in asked and number in asked
    xml = message_xml("text", OPENID, msg_id=77003, Content="2 基本满意")
    assert content_of(pusher, await pusher.send(ch_client, xml)).startswith(
        "感谢您的评价（基本满意）"
    )
    async with c.db.session() as s:
        case = await s.scalar(select(CaseRow).where(CaseRow.number == number))
    assert case is not None and case.state == "evaluated"


async def test_the_app_rates_overall_and_per_stage(
    ch_client: httpx.AsyncClient, channels: Channels
) -> None:
    c = channels.core
    number, unit = await completed_case(c, channel="app", sender="13985710003")
    r = await ch_client.post(
        "/api/v1/auth/token", data={"username": "gateway", "password": "demo-gateway-110"}
    )
    gateway = {"Authorization": f"Bearer {r.json()['access_token']}"}
    url = f"/api/v1/channels/app/cases/{number}/evaluation"
    body = {"phone": "13985710003", "rating": 2, "stages": {"accept": 1, "handle": 3}}
    r = await ch_client.post(url, json={**body, "stages": {"accept": 4}}, headers=gateway)
    assert r.status_code == 422  # a stage rating outside 1-3 is refused, nothing written
    r = await ch_client.post(url, json=body, headers=gateway)
    assert r.status_code == 200 and r.json()["accepted"] is True
    await FeedbackService(c.db, c.cases, c.settings.feedback, c.clock).poll()
    async with c.db.session() as s:
        rows = list(await s.scalars(select(RatingRow).order_by(RatingRow.stage)))
    assert [(x.stage, x.rating, x.source, x.unit_id) for x in rows] == [
        ("accept", 1, "app", unit), ("handle", 3, "app", unit), ("overall", 2, "app", unit),
    ]  # fmt: skip
