"""Calls from sipp through the real Asterisk into the one queue (issue 3, phase 1).

sipp plays the carrier (source 127.0.0.1, the trunk's identify match); the Stasis app
and the intake worker run in this test's event loop against the test's database and
Redis prefix.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from core.triage.missed import CALLBACK_MARK
from liandong.settings import Settings
from telephony.calls.state import CallState
from telephony.calls.store import RedisCallStore
from tests.conftest import wait_in_queue
from tests.telephony.helpers import asterisk_log, phone_contacts, sipp

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def test_sipp_uac_to_119_becomes_a_phone_contact_in_the_queue(
    tel_settings: Settings,
    stasis_app: None,
    intake_worker: None,
    client: httpx.AsyncClient,
    calltaker: dict[str, str],
    tmp_path: Path,
) -> None:
    # Exactly the command of the "done when": sipp -sn uac -s 119 <asterisk>.
    rc, out = await sipp(tel_settings.telephony, "119", cwd=tmp_path)
    assert rc == 0, out
    [contact] = await phone_contacts(tel_settings)
    assert contact.channel == "phone"
    assert contact.hotline == "119"
    assert contact.sender == "sipp"  # the From user of sipp's built-in uac scenario
    item = await wait_in_queue(client, calltaker, contact.case_number)
    assert item["hotline"] == "119"
    assert item["category"] == "fire"
    assert float(item["waiting_s"]) >= 0  # type: ignore[arg-type]


async def test_caller_who_hangs_up_while_waiting_becomes_a_call_back_item(
    tel_settings: Settings,
    stasis_app: None,
    intake_worker: None,
    client: httpx.AsyncClient,
    calltaker: dict[str, str],
    tmp_path: Path,
) -> None:
    # sipp hangs up after 1.5 s, while the greeting still plays: nobody answered it.
    rc, out = await sipp(tel_settings.telephony, "110", cwd=tmp_path)
    assert rc == 0, out
    [contact] = await phone_contacts(tel_settings)
    deadline = asyncio.get_running_loop().time() + 10
    item = await wait_in_queue(client, calltaker, contact.case_number)
    while item["live"] and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.1)
        item = await wait_in_queue(client, calltaker, contact.case_number)
    assert item["live"] is False  # no longer "a person on the line" …
    assert str(item["summary"]).startswith(CALLBACK_MARK)  # … but still to be called back
    r = await client.get(f"/api/v1/cases/{contact.case_number}/events", headers=calltaker)
    missed = [e for e in r.json() if e["data"].get("missed_call")]
    assert len(missed) == 1
    assert missed[0]["data"]["call_back"] == "sipp"


@pytest.mark.parametrize(
    ("did", "hotline"),
    [
        ("110", "110"),
        ("0857119", "119"),  # long form with Qianxi's area code
        ("86857120", "120"),  # international form
        ("122", "122"),
        ("085712315", "12315"),
        ("12345", "12345"),
    ],
)
async def test_each_did_lands_as_its_hotline_with_the_caller_number(
    did: str,
    hotline: str,
    tel_settings: Settings,
    stasis_app: None,
    tmp_path: Path,
) -> None:
    caller = f"1380000{did[-4:]:0>4}"
    rc, out = await sipp(
        tel_settings.telephony, did, scenario="uac_caller.xml", keys={"caller": caller},
        cwd=tmp_path,
    )  # fmt: skip
    assert rc == 0, out
    [contact] = await phone_contacts(tel_settings)
    assert (contact.channel, contact.hotline, contact.sender) == ("phone", hotline, caller)
    assert contact.lat is None  # no PIDF-LO in this INVITE


async def test_pidf_lo_in_the_invite_puts_the_caller_on_the_map(
    tel_settings: Settings,
    stasis_app: None,
    intake_worker: None,
    client: httpx.AsyncClient,
    calltaker: dict[str, str],
    tmp_path: Path,
) -> None:
    rc, out = await sipp(
        tel_settings.telephony,
        "110",
        scenario="uac_pidf.xml",
        keys={"caller": "13912345678", "lat": "27.05", "lon": "106.0"},
        cwd=tmp_path,
    )
    assert rc == 0, out
    [contact] = await phone_contacts(tel_settings)
    assert contact.location_source == "sip_pidf"
    assert (contact.lat, contact.lon) == pytest.approx((27.05, 106.0))
    item = await wait_in_queue(client, calltaker, contact.case_number)
    assert item["township"] is not None  # the locator placed the GPS fix in a township


async def test_caller_is_answered_greeted_and_held_with_state_in_redis(
    tel_settings: Settings, stasis_app: None, redis_url: str, tmp_path: Path
) -> None:
    redis = Redis.from_url(redis_url)
    store = RedisCallStore(redis, prefix=tel_settings.redis.prefix, ttl_s=60)
    try:
        call = asyncio.create_task(
            sipp(tel_settings.telephony, "12345", hold_ms=12_000, cwd=tmp_path)
        )
        seen: set[CallState] = set()
        for _ in range(300):  # the 110 greeting lasts ~8 s; then the caller is queued
            live = await store.live()
            seen |= {c.state for c in live}
            if CallState.queued in seen:
                break
            await asyncio.sleep(0.05)
        assert CallState.greeting in seen
        assert CallState.queued in seen
        [queued] = await store.live()
        assert queued.bridge_id == f"{tel_settings.telephony.app}-holding"
        assert queued.case_number is not None
        rc, out = await call
        assert rc == 0, out
        ended = await store.get(queued.channel_id)
        assert ended is not None
        assert ended.state is CallState.ended
        assert await store.live() == []
    finally:
        await redis.aclose()


async def test_without_the_stasis_app_the_fallback_answers_and_alerts(
    tel_settings: Settings, tmp_path: Path
) -> None:
    # No stasis_app fixture: Stasis() finds no registered app (STASISSTATUS=FAILED).
    rc, out = await sipp(
        tel_settings.telephony, "120", scenario="uac_caller.xml",
        keys={"caller": "13700000120"}, hold_ms=2000, cwd=tmp_path,
    )  # fmt: skip
    assert rc == 0, out  # 200 OK came: the caller was answered, not left ringing
    log = asterisk_log(tel_settings.telephony)
    assert "LIANDONG-FALLBACK hotline=120 caller=13700000120" in log
    assert await phone_contacts(tel_settings) == []  # nothing pretended to register it
