"""Findings 1–4: every view masks phone numbers however they are written, and a
caller cannot claim a channel it cannot prove on the generic intake route."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from core.cases.masking import mask_phone, mask_value
from liandong.processes.intake import run_worker
from liandong.settings import Settings
from tests.conftest import login, wait_in_queue

pytestmark = pytest.mark.anyio

SPELLINGS = [
    ("13912345678", "139****5678"),
    ("+8613912345678", "+86139****5678"),
    ("+86 139 1234 5678", "+86 139****5678"),
    ("0086-139-1234-5678", "0086-139****5678"),
    ("139 1234 5678", "139****5678"),
    ("139-1234-5678", "139****5678"),
    ("１３９１２３４５６７８", "139****5678"),
    ("１３９　１２３４　５６７８", "139****5678"),
]


@pytest.mark.parametrize(("written", "masked"), SPELLINGS)
def test_a_mobile_number_is_masked_however_it_is_written(written: str, masked: str) -> None:
    assert mask_phone(f"回拨{written}谢谢") == f"回拨{masked}谢谢"


def test_numbers_that_are_not_mobiles_and_case_numbers_stay_as_they_are() -> None:
    for text in ("QX-20261126-00001", "1391234567", "编号213912345678", "0857-4221100"):
        assert mask_phone(text) == text
    assert mask_value({"call_back": "13912345678", "n": 3, "l": ["+86 139 1234 5678"]}) == {
        "call_back": "139****5678",
        "n": 3,
        "l": ["+86 139****5678"],
    }


@pytest.fixture
async def worker(settings: Settings) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(run_worker(settings, "mask-worker", stop, install_signals=False))
    yield
    stop.set()
    await asyncio.wait_for(task, 10)


CONTACT = {
    "channel": "phone",
    "hotline": "110",
    "sender": "13912345678",
    "text": "我电话+86 139-1234-5678，另一个１３８１２３４５６７８，新仁乡有人打架",
}


async def test_the_case_log_and_the_queue_are_masked_for_leaders_and_auditors(
    client: httpx.AsyncClient, calltaker: dict[str, str], worker: None
) -> None:
    number = (await client.post("/api/v1/contacts", headers=calltaker, json=CONTACT)).json()[
        "case_number"
    ]
    leader = await login(client, "leader", "demo-leader-110")
    item = await wait_in_queue(client, leader, number)
    assert "1234" not in str(item["summary"]) and "****" in str(item["summary"])
    full = await wait_in_queue(client, calltaker, number)
    assert "139-1234-5678" in str(full["summary"])  # call takers need the number

    for who, pw in (("leader", "demo-leader-110"), ("auditor", "demo-auditor-110")):
        h = await login(client, who, pw)
        events = (await client.get(f"/api/v1/cases/{number}/events", headers=h)).json()
        text = str(events)
        assert events and "12345678" not in text and "1234-5678" not in text
        assert "１２３４" not in text and "****" in text
    mine = (await client.get(f"/api/v1/cases/{number}/events", headers=calltaker)).json()
    assert "139-1234-5678" in str(mine)


@pytest.mark.parametrize(
    ("user", "password", "body"),
    [
        ("gateway", "demo-gateway-110", {"channel": "stb_alarm"}),
        ("calltaker", "demo-calltaker-110", {"channel": "stb_alarm"}),
        ("admin", "demo-admin-110", {"channel": "grid"}),
        ("gateway", "demo-gateway-110", {"channel": "phone", "hotline": "110"}),
        ("gateway", "demo-gateway-110", {"channel": "wechat", "live": True}),
        ("dispatcher", "demo-dispatcher-110", {"channel": "phone", "live": True}),
    ],
)
async def test_a_channel_the_caller_cannot_prove_is_not_claimable(
    client: httpx.AsyncClient, user: str, password: str, body: dict[str, object]
) -> None:
    h = await login(client, user, password)
    contact = {"sender": "13800001234", "text": "一键报警", **body}
    r = await client.post("/api/v1/contacts", headers=h, json=contact)
    assert (r.status_code, r.json()["error_id"]) == (403, "channel-not-claimable")


async def test_the_gateway_still_relays_messages_and_staff_record_calls(
    client: httpx.AsyncClient, calltaker: dict[str, str]
) -> None:
    gw = await login(client, "gateway", "demo-gateway-110")
    msg = {"channel": "wechat", "sender": "oWx-1", "text": "路灯坏了"}
    assert (await client.post("/api/v1/contacts", headers=gw, json=msg)).status_code == 201
    call = {"channel": "phone", "hotline": "12345", "sender": "13800001235", "text": "咨询"}
    assert (await client.post("/api/v1/contacts", headers=calltaker, json=call)).status_code == 201
