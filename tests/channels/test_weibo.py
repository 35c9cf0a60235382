"""Weibo: @mentions and comments polled with persisted cursors, private messages
pushed and signed as the fan-service platform does, replies posted back."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from sqlalchemy import select

from channels.weibo.errors import WeiboApiError
from channels.weibo.settings import DEMO_APP_SECRET
from channels.wiring import Channels
from core.cases.tables import ContactRow
from simulators.weibo import FakeWeiboServer, WeiboPusher
from tests.channels.conftest import contact_count

pytestmark = pytest.mark.anyio
UID = "5820110001"


async def test_mentions_and_comments_become_cases_once_and_get_replies(
    channels: Channels, weibo_api: FakeWeiboServer
) -> None:
    st = weibo_api.state
    post = st.mention(UID, "@黔西110 钟山镇加油站旁有人打架", geo=(27.05, 106.01))
    st.comment("5820110002", "我们小区停水两天了", status_id="4999000000000001")
    wb = channels.weibo_service()
    assert await wb.poll_once() == 2
    assert await wb.poll_once() == 0  # the cursors moved on
    assert any(s.endswith(f":{post}") for s in st.since_seen)
    st.mention(UID, "@黔西110 又来了一次")
    assert await wb.poll_once() == 1
    assert await contact_count(channels, "weibo") == 3
    async with channels.core.db.session() as s:
        first = (await s.scalars(select(ContactRow).order_by(ContactRow.id))).first()
    assert first is not None and (first.lat, first.lon, first.location_source) == (
        27.05,
        106.01,
        "gps",
    )
    await channels.outbound_sender().send_pending()
    paths = sorted(p["path"] for p in st.posted)
    assert paths == ["/2/comments/create.json"] * 2 + ["/2/comments/reply.json"]
    assert all(p["comment"].startswith("已受理，编号 QX-") for p in st.posted)


async def test_private_message_push_is_signed_deduped_and_answered(
    ch_client: httpx.AsyncClient, channels: Channels, weibo_api: FakeWeiboServer
) -> None:
    pusher = WeiboPusher(DEMO_APP_SECRET)
    push = {
        "type": "text",
        "receiver_id": 3000110110,
        "sender_id": int(UID),
        "created_at": "Wed Nov 25 10:01:00 +0800 2026",
        "text": "我要举报黑车",
        "data": {},
    }
    for _ in range(2):  # a retry of the same push
        r = await pusher.send(ch_client, push)
        assert r.status_code == 200, r.text
    assert await contact_count(channels, "weibo") == 1
    where = {**push, "type": "position", "text": "", "data": {"longitude": 106.0, "latitude": 27.0}}
    assert (await pusher.send(ch_client, where)).status_code == 200
    follow = {**push, "type": "event", "data": {"subtype": "follow"}}
    assert (await pusher.send(ch_client, follow)).status_code == 200
    assert await contact_count(channels, "weibo") == 2
    await channels.outbound_sender().send_pending()
    assert [m["receiver_id"] for m in weibo_api.state.messages] == [UID, UID]

    forged = WeiboPusher("not-the-secret")
    r = await forged.send(ch_client, push)
    assert r.status_code == 401 and r.json()["error_id"] == "channel-signature-invalid"
    r = await pusher.send(ch_client, push, timestamp_ms=int((time.time() - 3600) * 1000))
    assert r.status_code == 401 and r.json()["error_id"] == "signature-expired"
    r = await ch_client.post(
        f"/channels/weibo/push?{'&'.join(f'{k}={v}' for k, v in pusher.params().items())}",
        content=b"[1,2",
    )
    assert r.status_code == 400 and r.json()["error_id"] == "weibo-push-invalid"
    params = pusher.params()
    r = await ch_client.get("/channels/weibo/push", params={**params, "echostr": "abc123"})
    assert r.text == "abc123"


async def test_expired_token_is_a_typed_error_and_the_cursor_stays(
    channels: Channels, weibo_api: FakeWeiboServer
) -> None:
    weibo_api.state.mention(UID, "@黔西110 求助")
    weibo_api.state.token = "rotated"
    with pytest.raises(WeiboApiError) as info:
        await channels.weibo_service().poll_once()
    assert info.value.details["error_code"] == 21327
    assert await contact_count(channels, "weibo") == 0


async def test_a_captured_push_cannot_be_replayed_with_another_body(
    ch_client: httpx.AsyncClient, channels: Channels
) -> None:
    """Finding 11: Weibo's signature leaves the body out, so a nonce counts once."""
    pusher = WeiboPusher(DEMO_APP_SECRET)
    params = "&".join(f"{k}={v}" for k, v in pusher.params().items())
    push = {
        "type": "text",
        "receiver_id": 3000110110,
        "sender_id": int(UID),
        "created_at": "Wed Nov 25 10:01:00 +0800 2026",
        "text": "我要举报黑车",
        "data": {},
    }
    url = f"/channels/weibo/push?{params}"
    r = await ch_client.post(url, content=json.dumps(push, ensure_ascii=False).encode())
    assert r.status_code == 200
    forged = {**push, "text": "一键报警：有人持刀伤人", "sender_id": int(UID) + 1}
    r = await ch_client.post(url, content=json.dumps(forged, ensure_ascii=False).encode())
    assert (r.status_code, r.json()["error_id"]) == (401, "replay-rejected")
    assert await contact_count(channels, "weibo") == 1
