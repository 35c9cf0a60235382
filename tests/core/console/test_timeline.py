"""A case's timeline: contacts, classification, 派单, 退单, 改派 with its reason, calls
and notes in time order, phones masked for roles without ``phones:full``."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import login
from tests.core.console.conftest import contact

pytestmark = pytest.mark.anyio


async def _act(
    client: httpx.AsyncClient, h: dict[str, str], number: str, action: str, **body: Any
) -> None:
    r = await client.post(f"/api/v1/cases/{number}/actions/{action}", headers=h, json=body)
    assert r.status_code == 200, r.text


async def test_the_timeline_tells_the_case_in_order_with_reasons(
    client: httpx.AsyncClient, dispatcher: dict[str, str]
) -> None:
    number = await contact(client, dispatcher, "我是13800001111，金碧镇水管爆了", "13800001111")
    units = (await client.get("/api/v1/desk/units", headers=dispatcher)).json()
    police = next(u["id"] for u in units if "公安" in u["name"])
    other = next(u["id"] for u in units if u["id"] != police)
    await _act(client, dispatcher, number, "classify", category="government", priority=3)
    await _act(client, dispatcher, number, "dispatch", lead_unit_id=police)
    police_staff = await login(client, "police", "demo-unit-110")
    await _act(client, police_staff, number, "return", unit_id=police, reason="不属于公安职责")
    await _act(client, dispatcher, number, "reassign", lead_unit_id=other, reason="改派供水公司")
    await _act(client, dispatcher, number, "note", note="电话：坐席 seat01 接通来电")

    r = await client.get(f"/api/v1/cases/{number}/timeline", headers=dispatcher)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    kinds = [i["kind"] for i in items]
    assert kinds == [
        "contact", "created", "classification", "instruction", "return", "reassign", "call",
    ]  # fmt: skip
    assert [i["at"] for i in items] == sorted(i["at"] for i in items)
    assert all({"at", "kind", "text"} <= i.keys() for i in items)
    # Masked even for a dispatcher: the full number is the case panel's audited reveal.
    assert "138****1111" in items[0]["text"] and "13800001111" not in str(items)
    assert items[2]["text"] == "分类：政务服务"
    assert items[4]["text"].endswith("理由：不属于公安职责")
    assert items[1]["text"] == "受理" and items[3]["text"] == "派单：市公安局指挥中心"
    assert "改派" in items[5]["text"] and "改派供水公司" in items[5]["text"]
    assert items[5]["actor"] == "dispatcher"

    leader = await login(client, "leader", "demo-leader-110")
    masked = (await client.get(f"/api/v1/cases/{number}/timeline", headers=leader)).json()
    assert "138****1111" in masked["items"][0]["text"]
    assert "13800001111" not in str(masked)


async def test_another_units_staff_cannot_read_a_timeline(
    client: httpx.AsyncClient, dispatcher: dict[str, str]
) -> None:
    number = await contact(client, dispatcher, "金碧镇水管爆了", "13800001111")
    police_staff = await login(client, "police", "demo-unit-110")
    r = await client.get(f"/api/v1/cases/{number}/timeline", headers=police_staff)
    assert r.status_code == 404 and r.json()["error_id"] == "case-not-found"
    r = await client.get("/api/v1/cases/QX-20000101-00001/timeline", headers=dispatcher)
    assert r.status_code == 404 and r.json()["error_id"] == "case-not-found"
