"""Finding 5: binding a WeChat identity to a phone needs the SMS code sent to that
phone, and an identity bound to another phone is not silently re-bound."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import select

from channels.tables import OutboundMessageRow
from channels.wiring import Channels
from tests.conftest import login

pytestmark = pytest.mark.anyio

OWNER = "13985710071"
OTHER = "13985710072"
OPENID = "oQX110binding00000000000001"
CODES = "/api/v1/channels/app/identities/codes"
BIND = "/api/v1/channels/app/identities"


@pytest.fixture
async def gateway(ch_client: httpx.AsyncClient) -> dict[str, str]:
    return await login(ch_client, "gateway", "demo-gateway-110")


async def _code_sent_to(channels: Channels, phone: str) -> str:
    """What the phone's owner reads in the SMS (the queued outbound message)."""
    async with channels.core.db.session() as s:
        rows = (
            await s.scalars(
                select(OutboundMessageRow)
                .where(OutboundMessageRow.recipient == phone)
                .order_by(OutboundMessageRow.id.desc())
            )
        ).all()
    assert rows, f"no SMS to {phone}"
    m = re.search(r"\d{6}", str(rows[0].payload["text"]))
    assert m is not None
    return m.group(0)


async def _report(client: httpx.AsyncClient, gateway: dict[str, str], rid: str) -> str:
    body = {"report_id": rid, "phone": OWNER, "text": "楼下噪音扰民"}
    r = await client.post("/api/v1/channels/app/reports", json=body, headers=gateway)
    return str(r.json()["case_number"])


async def test_a_binding_without_the_phones_code_is_refused_and_reveals_nothing(
    ch_client: httpx.AsyncClient, channels: Channels, gateway: dict[str, str]
) -> None:
    number = await _report(ch_client, gateway, "bind-1")
    claim = {"channel": "wechat", "external_id": OPENID, "phone": OWNER}
    r = await ch_client.post(BIND, json=claim, headers=gateway)
    assert r.status_code == 422  # no code at all
    r = await ch_client.post(BIND, json={**claim, "code": "000000"}, headers=gateway)
    assert (r.status_code, r.json()["error_id"]) == (403, "identity-code-wrong")
    senders = await channels.citizens.senders_for("wechat", OPENID)
    assert number not in await channels.citizens.recent_text(senders)


async def test_the_code_sent_to_the_phone_binds_it_once_and_guessing_is_bounded(
    ch_client: httpx.AsyncClient, channels: Channels, gateway: dict[str, str]
) -> None:
    number = await _report(ch_client, gateway, "bind-2")
    claim = {"channel": "wechat", "external_id": OPENID, "phone": OWNER}
    assert (await ch_client.post(CODES, json=claim, headers=gateway)).status_code == 202
    code = await _code_sent_to(channels, OWNER)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    r = await ch_client.post(BIND, json={**claim, "code": wrong}, headers=gateway)
    assert r.json()["error_id"] == "identity-code-wrong"
    r = await ch_client.post(BIND, json={**claim, "code": code}, headers=gateway)
    assert r.status_code == 204, r.text
    senders = await channels.citizens.senders_for("wechat", OPENID)
    assert number in await channels.citizens.recent_text(senders)
    again = await ch_client.post(BIND, json={**claim, "code": code}, headers=gateway)
    assert again.json()["error_id"] == "identity-code-wrong"  # one code, one binding

    # Six guesses at a fresh code: the sixth is refused even if right.
    assert (await ch_client.post(CODES, json=claim, headers=gateway)).status_code == 202
    code = await _code_sent_to(channels, OWNER)
    for _ in range(5):
        await ch_client.post(BIND, json={**claim, "code": wrong}, headers=gateway)
    r = await ch_client.post(BIND, json={**claim, "code": code}, headers=gateway)
    assert (r.status_code, r.json()["error_id"]) == (429, "too-many-attempts")


async def test_an_identity_bound_to_another_phone_is_not_silently_replaced(
    ch_client: httpx.AsyncClient, channels: Channels, gateway: dict[str, str]
) -> None:
    owner = {"channel": "wechat", "external_id": OPENID, "phone": OWNER}
    await ch_client.post(CODES, json=owner, headers=gateway)
    code = await _code_sent_to(channels, OWNER)
    assert (await ch_client.post(BIND, json={**owner, "code": code}, headers=gateway)).is_success
    other = {**owner, "phone": OTHER}
    await ch_client.post(CODES, json=other, headers=gateway)
    code = await _code_sent_to(channels, OTHER)
    r = await ch_client.post(BIND, json={**other, "code": code}, headers=gateway)
    assert (r.status_code, r.json()["error_id"]) == (409, "identity-already-bound")
    assert await channels.citizens.bound_phone("wechat", OPENID) == OWNER
    r = await ch_client.post(BIND, json={**other, "code": code, "replace": True}, headers=gateway)
    assert r.status_code == 204
    assert await channels.citizens.bound_phone("wechat", OPENID) == OTHER
