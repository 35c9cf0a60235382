"""The citizen app (report, status, evaluation, identity binding) and grid workers
(patrol report, accept and complete instructions, mediation, escalation)."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import select

from channels.tables import MediationRow, OutboundMessageRow
from channels.wiring import Channels
from core.auth.models import Role
from core.orgmap.tables import UnitRow
from tests.channels.conftest import contact_count
from tests.conftest import login

pytestmark = pytest.mark.anyio
PHONE = "13985710002"
GPS = {"lat": 27.03, "lon": 106.03, "accuracy_m": 8}


@pytest.fixture
async def gateway(ch_client: httpx.AsyncClient) -> dict[str, str]:
    return await login(ch_client, "gateway", "demo-gateway-110")


@pytest.fixture
async def grid_id(channels: Channels) -> int:
    async with channels.core.db.session() as s:
        gid = await s.scalar(select(UnitRow.id).where(UnitRow.kind == "grid").limit(1))
    assert gid is not None
    return int(gid)


@pytest.fixture
async def worker(ch_client: httpx.AsyncClient, channels: Channels, grid_id: int) -> dict[str, str]:
    await channels.core.auth.create_user(
        "grid-wang", "demo-grid-110", Role.unit_staff, "网格员 王强", unit_id=grid_id, demo=True
    )
    return await login(ch_client, "grid-wang", "demo-grid-110")


async def dispatch(client: httpx.AsyncClient, number: str, unit_id: int) -> None:
    boss = await login(client, "dispatcher", "demo-dispatcher-110")
    r = await client.post(
        f"/api/v1/cases/{number}/actions/dispatch", json={"lead_unit_id": unit_id}, headers=boss
    )
    assert r.status_code == 200, r.text


async def test_app_report_status_and_evaluation_through_the_grid(
    ch_client: httpx.AsyncClient,
    channels: Channels,
    gateway: dict[str, str],
    worker: dict[str, str],
    grid_id: int,
) -> None:
    report = {
        "report_id": "app-0001",
        "phone": PHONE,
        "name": "李女士",
        "text": "村口路灯坏了一个星期",
        "photos": [{"kind": "image", "url": "https://app.example/p/1.jpg"}],
        "location": GPS,
    }
    r = await ch_client.post("/api/v1/channels/app/reports", json=report, headers=gateway)
    assert r.status_code == 201, r.text
    number = r.json()["case_number"]
    again = await ch_client.post("/api/v1/channels/app/reports", json=report, headers=gateway)
    assert again.json() == {**r.json(), "duplicate": True}
    assert await contact_count(channels, "app") == 1

    status = f"/api/v1/channels/app/cases/{number}"
    r = await ch_client.get(status, params={"phone": PHONE}, headers=gateway)
    assert r.json()["state_label"] == "受理" and number in r.json()["text"]
    r = await ch_client.get(status, params={"phone": "13900000000"}, headers=gateway)
    assert r.status_code == 404  # a number alone reveals nothing

    await dispatch(ch_client, number, grid_id)
    act = f"/api/v1/channels/grid/instructions/{number}"
    r = await ch_client.post(f"{act}/accept", json={}, headers=worker)
    assert r.status_code == 200 and r.json()["case_state"] == "acknowledged"
    r = await ch_client.post(f"{act}/complete", json={}, headers=worker)
    assert r.status_code == 422 and r.json()["error_id"] == "note-required"
    done = {"note": "已更换灯泡", "photos": [{"kind": "image", "url": "https://g/1.jpg"}]}
    r = await ch_client.post(f"{act}/complete", json=done, headers=worker)
    assert r.json()["case_state"] == "completed"

    r = await ch_client.get(status, params={"phone": PHONE}, headers=gateway)
    assert r.json()["state_label"] == "办结" and "评价" in r.json()["text"]
    ev = f"/api/v1/channels/app/cases/{number}/evaluation"
    r = await ch_client.post(ev, json={"phone": PHONE, "rating": 1}, headers=gateway)
    assert r.json()["accepted"] and "满意" in r.json()["message"]
    r = await ch_client.post(ev, json={"phone": PHONE, "rating": 1}, headers=gateway)
    assert not r.json()["accepted"]
    r = await ch_client.post(ev, json={"phone": "13900000000", "rating": 3}, headers=gateway)
    assert r.status_code == 404


async def test_app_routes_need_the_channel_gateway_and_valid_input(
    ch_client: httpx.AsyncClient, gateway: dict[str, str], worker: dict[str, str]
) -> None:
    body = {"report_id": "x1", "phone": PHONE, "text": "x"}
    assert (await ch_client.post("/api/v1/channels/app/reports", json=body)).status_code == 401
    r = await ch_client.post("/api/v1/channels/app/reports", json=body, headers=worker)
    assert r.status_code == 403
    bad = {**body, "phone": "12345"}
    r = await ch_client.post("/api/v1/channels/app/reports", json=bad, headers=gateway)
    assert r.status_code == 422
    empty = {**body, "text": "  "}
    r = await ch_client.post("/api/v1/channels/app/reports", json=empty, headers=gateway)
    assert r.json()["error_id"] == "report-empty"


async def test_wechat_identity_bound_by_the_app_sees_the_phones_cases(
    ch_client: httpx.AsyncClient, channels: Channels, gateway: dict[str, str]
) -> None:
    report = {"report_id": "app-0002", "phone": PHONE, "text": "噪音扰民"}
    number = (
        await ch_client.post("/api/v1/channels/app/reports", json=report, headers=gateway)
    ).json()["case_number"]
    openid = "oQX110citizen000000000000009"
    assert number not in await channels.citizens.recent_text({openid})
    bind = {"channel": "wechat", "external_id": openid, "phone": PHONE}
    r = await ch_client.post("/api/v1/channels/app/identities/codes", json=bind, headers=gateway)
    assert r.status_code == 202
    async with channels.core.db.session() as s:
        sms = await s.scalar(
            select(OutboundMessageRow.payload).where(OutboundMessageRow.recipient == PHONE)
        )
    code = re.search(r"\d{6}", str(sms))
    assert code is not None
    bind["code"] = code.group(0)
    r = await ch_client.post("/api/v1/channels/app/identities", json=bind, headers=gateway)
    assert r.status_code == 204
    senders = await channels.citizens.senders_for("wechat", openid)
    assert number in await channels.citizens.recent_text(senders)


async def test_grid_patrol_report_mediation_and_escalation(
    ch_client: httpx.AsyncClient,
    channels: Channels,
    worker: dict[str, str],
    calltaker: dict[str, str],
    grid_id: int,
) -> None:
    patrol = {"report_id": "p-1", "text": "河堤有裂缝", "location": GPS}
    r = await ch_client.post("/api/v1/channels/grid/reports", json=patrol, headers=worker)
    assert r.status_code == 201 and r.json()["case_number"].startswith("QX-")
    r = await ch_client.post("/api/v1/channels/grid/reports", json=patrol, headers=calltaker)
    assert r.status_code == 403

    med = {
        "record_id": "m-1",
        "parties": ["张三", "李四"],
        "dispute": "宅基地边界纠纷",
        "outcome": "resolved",
        "agreement": "以老墙为界",
    }
    r = await ch_client.post("/api/v1/channels/grid/mediations", json=med, headers=worker)
    assert r.status_code == 201 and r.json()["case_number"] is None
    failed = {**med, "record_id": "m-2", "outcome": "escalated", "agreement": None}
    r = await ch_client.post("/api/v1/channels/grid/mediations", json=failed, headers=worker)
    escalated = r.json()["case_number"]
    assert escalated and r.json()["grid_id"] == grid_id
    r = await ch_client.post("/api/v1/channels/grid/mediations", json=failed, headers=worker)
    assert r.json()["case_number"] == escalated  # a retry is not a second record
    async with channels.core.db.session() as s:
        assert len((await s.scalars(select(MediationRow))).all()) == 2

    r = await ch_client.post(
        "/api/v1/channels/grid/escalations",
        json={"report_id": "e-1", "text": "山体滑坡风险，需乡镇组织转移"},
        headers=worker,
    )
    assert r.status_code == 201
    await dispatch(ch_client, escalated, grid_id)
    r = await ch_client.post(
        "/api/v1/channels/grid/escalations",
        json={"report_id": "e-2", "text": "双方拒绝调解", "case_number": escalated},
        headers=worker,
    )
    assert r.status_code == 201
    case = await ch_client.get(f"/api/v1/cases/{escalated}", headers=calltaker)
    assert case.json()["state"] == "returned"
    assert await contact_count(channels, "grid") == 3
