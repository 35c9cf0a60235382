"""End to end in one process: POST a contact, a worker classifies it, it shows in the queue."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from liandong.processes.intake import run_worker
from liandong.settings import Settings
from tests.conftest import wait_in_queue

pytestmark = pytest.mark.anyio


@pytest.fixture
async def worker(settings: Settings) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(run_worker(settings, "test-worker", stop, install_signals=False))
    yield
    stop.set()
    await asyncio.wait_for(task, 10)


async def test_posted_contact_gets_case_number_and_reaches_the_queue(
    client: httpx.AsyncClient, calltaker: dict[str, str], worker: None
) -> None:
    r = await client.post(
        "/api/v1/contacts",
        headers=calltaker,
        json={
            "channel": "phone",
            "hotline": "119",
            "sender": "13812345678",
            "text": "钟山镇农贸市场旁边一栋房子着火了，有人被困",
            "location": {"lat": 27.05, "lon": 106.0, "source": "sip_pidf", "accuracy_m": 30},
        },
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["case_number"].startswith("QX-")
    assert isinstance(body["contact_id"], int)
    item = await wait_in_queue(client, calltaker, body["case_number"])
    assert item["category"] == "fire"
    assert item["emergency"] is True
    assert item["priority"] == 1
    assert item["hotline"] == "119"
    assert item["township"] is not None
    assert float(item["waiting_s"]) >= 0  # type: ignore[arg-type]


async def test_emergency_outranks_an_older_consultation(
    client: httpx.AsyncClient, calltaker: dict[str, str], worker: None
) -> None:
    older = (
        await client.post(
            "/api/v1/contacts",
            headers=calltaker,
            json={
                "channel": "wechat",
                "sender": "oWx-consult",
                "text": "请问办理居住证需要什么材料",
            },
        )
    ).json()
    newer = (
        await client.post(
            "/api/v1/contacts",
            headers=calltaker,
            json={"channel": "sms", "sender": "13900001111", "text": "救命，有人持刀抢劫"},
        )
    ).json()
    await wait_in_queue(client, calltaker, older["case_number"])
    await wait_in_queue(client, calltaker, newer["case_number"])
    items = (await client.get("/api/v1/queue", headers=calltaker)).json()["items"]
    order = [i["case_number"] for i in items]
    assert order.index(newer["case_number"]) < order.index(older["case_number"])


async def test_a_call_taker_raising_priority_moves_the_case_up_the_queue(
    client: httpx.AsyncClient, calltaker: dict[str, str], worker: None
) -> None:
    first = (
        await client.post(
            "/api/v1/contacts",
            headers=calltaker,
            json={"channel": "wechat", "sender": "oWx-a", "text": "咨询公积金怎么提取"},
        )
    ).json()
    second = (
        await client.post(
            "/api/v1/contacts",
            headers=calltaker,
            json={"channel": "wechat", "sender": "oWx-b", "text": "小区门口有个人躺在地上不动"},
        )
    ).json()
    await wait_in_queue(client, calltaker, second["case_number"])
    r = await client.post(
        f"/api/v1/cases/{second['case_number']}/actions/classify",
        headers=calltaker,
        json={"category": "medical", "priority": 1, "emergency": True},
    )
    assert r.status_code == 200, r.text
    items = (await client.get("/api/v1/queue", headers=calltaker)).json()["items"]
    order = [i["case_number"] for i in items]
    assert order.index(second["case_number"]) < order.index(first["case_number"])
    moved = next(i for i in items if i["case_number"] == second["case_number"])
    assert (moved["category"], moved["priority"], moved["urgent"]) == ("medical", 1, True)
