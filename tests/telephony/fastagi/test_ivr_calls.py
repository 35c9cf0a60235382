"""Calls from sipp through the real Asterisk into the 12345 menu over FastAGI.

sipp plays the carrier and presses keys: menu keys as RFC 4733 telephone-events
(Debian's dtmf_2833_<key>.pcap replayed on the call's RTP), the case number's digits
as SIP INFO (application/dtmf-relay): the pcaps of one key are byte-identical, and
Asterisk rightly drops a repeated event with the same RTP timestamp, so "11" or "00"
cannot be typed with them. The FastAGI server, the Stasis app and the intake worker
run in the test's event loop against the test's database and Redis prefix.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import select

from core.cases.tables import CaseEventRow, CaseRow, ContactRow
from core.storage.engine import Database
from core.triage.missed import CALLBACK_MARK
from ivr.settings import IvrSettings
from liandong.processes.fastagi import run_fastagi
from liandong.settings import Settings
from telephony.calls.app import StasisApp
from telephony.calls.store import RedisCallStore
from telephony.fastagi.contacts import IN_MENU_MARK, SELF_SERVICE_NOTE
from telephony.fastagi.ivr_backend import CALLBACK_REQUEST_MARK
from telephony.fastagi.settings import FastAgiSettings
from telephony.settings import TelephonySettings
from tests.conftest import wait_in_queue
from tests.support.barriers import all_processed, until
from tests.telephony.fastagi.support import file_contact
from tests.telephony.helpers import (
    SCENARIOS,
    asterisk_log,
    free_udp_port,
    phone_contacts,
    sipp,
)

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
CALLER = "13800005678"
PCAP = "/usr/share/sip-tester/dtmf_2833_{}.pcap"
_PCAP_NAMES = {"#": "pound", "*": "star"}


@pytest.fixture
def ivr_settings(tel_settings: Settings, fastagi_port: int) -> Settings:
    return tel_settings.model_copy(
        update={
            "fastagi": FastAgiSettings(port=fastagi_port),
            "ivr": IvrSettings(hours={}),  # staffed around the clock: tests run at any hour
        }
    )


@pytest.fixture
async def fastagi(ivr_settings: Settings) -> AsyncIterator[None]:
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(run_fastagi(ivr_settings, stop, install_signals=False, ready=ready))
    await asyncio.wait_for(ready.wait(), 15)
    yield
    stop.set()
    await asyncio.wait_for(task, 15)


def _rtp_key(key: str, pause_ms: int) -> str:
    pcap = PCAP.format(_PCAP_NAMES.get(key, key))
    return (
        f'  <pause milliseconds="{pause_ms}"/>\n'
        f'  <nop><action><exec play_pcap_audio="{pcap}"/></action></nop>\n'
    )


def _info_digits(digits: str, pause_ms: int) -> str:
    out = []
    for i, d in enumerate(digits):
        out.append(f"""  <pause milliseconds="{pause_ms}"/>
  <send retrans="500">
    <![CDATA[
      INFO sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "[caller]" <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: {100 + i} INFO
      Contact: <sip:[caller]@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Type: application/dtmf-relay
      Content-Length: [len]

      Signal={d}
      Duration=160
    ]]>
  </send>
  <recv response="200"/>
""")
    return "".join(out)


def scenario(tmp_path: Path, dtmf: str, *, asterisk_hangs_up: bool, hold_ms: int = 1000) -> Path:
    """ivr_dtmf.xml with its key presses and one of the two endings spliced in."""
    text = (SCENARIOS / "ivr_dtmf.xml").read_text(encoding="utf-8")
    end = "ivr_end_asterisk.xml" if asterisk_hangs_up else "ivr_end_caller.xml"
    ending = (SCENARIOS / end).read_text(encoding="utf-8")
    ending = ending.replace("CSeq: 2 BYE", "CSeq: 999 BYE").replace("[hold]", str(hold_ms))
    path = tmp_path / "ivr_call.xml"
    path.write_text(text.replace("<!-- DTMF -->", dtmf).replace("<!-- END -->", ending))
    return path


async def ivr_call(t: TelephonySettings, path: Path, *, service: str = "12345") -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        "sipp",
        "-sf",
        str(path),
        "-s",
        service,
        f"127.0.0.1:{t.sip_port}",
        "-i",
        "127.0.0.1",
        "-p",
        str(free_udp_port()),
        "-mp",
        str(free_udp_port() & ~1),
        "-key",
        "caller",
        CALLER,
        "-m",
        "1",
        "-timeout",
        "60",
        "-timeout_error",
        "-nostdin",
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=path.parent,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 75)
    text = out.decode(errors="replace")
    # On failure the message shows sipp's start and end and the Asterisk log's tail.
    calls = [line for line in asterisk_log(t).splitlines() if "][C-" in line and "seat" not in line]
    log = "\n".join(calls[-40:])
    return int(proc.returncode or 0), f"{text[:1500]} … {text[-1000:]}\n--- asterisk:\n{log}"


async def test_key_1_in_the_12345_menu_puts_the_caller_in_the_queue(
    ivr_settings: Settings,
    fastagi: None,
    stasis_app: StasisApp,
    intake_worker: None,
    client: httpx.AsyncClient,
    calltaker: dict[str, str],
    tmp_path: Path,
) -> None:
    path = scenario(tmp_path, _rtp_key("1", 1500), asterisk_hangs_up=False, hold_ms=3000)
    rc, out = await ivr_call(ivr_settings.telephony, path)
    assert rc == 0, out
    # One contact: the one the menu made, adopted by the Stasis app - which proves that
    # Asterisk 22's agi_uniqueid is the channel's ARI id (the key call:<id> matched).
    [contact] = await phone_contacts(ivr_settings)
    assert (contact.hotline, contact.sender) == ("12345", CALLER)
    assert await all_contacts(ivr_settings) == 1
    redis = Redis.from_url(ivr_settings.redis.url)
    try:
        store = RedisCallStore(redis, prefix=ivr_settings.redis.prefix, ttl_s=60)
        adopted = await store.get(contact.channel_id)
    finally:
        await redis.aclose()
    assert adopted is not None, "the Stasis app saw no channel with the AGI's uniqueid"
    assert adopted.case_number == contact.case_number
    item = await wait_in_queue(client, calltaker, contact.case_number)
    assert item["hotline"] == "12345"
    assert not str(item["summary"]).startswith(IN_MENU_MARK)
    # What the caller chose is in the case log for the call taker who answers.
    r = await client.get(f"/api/v1/cases/{contact.case_number}/events", headers=calltaker)
    notes = [str(e.get("data", {}).get("note", "")) for e in r.json()]
    assert any("语音导航选择：咨询或投诉" in n for n in notes), notes


async def test_key_9_books_a_call_back_item_and_asterisk_hangs_up(
    ivr_settings: Settings,
    fastagi: None,
    intake_worker: None,
    client: httpx.AsyncClient,
    calltaker: dict[str, str],
    tmp_path: Path,
) -> None:
    path = scenario(tmp_path, _rtp_key("9", 1500), asterisk_hangs_up=True)
    rc, out = await ivr_call(ivr_settings.telephony, path)
    assert rc == 0, out  # the BYE came from Asterisk after the confirmation
    # Exactly one contact: the call's own, turned into the call-back item.
    [contact] = await phone_contacts(ivr_settings)
    assert await all_contacts(ivr_settings) == 1
    assert (contact.hotline, contact.sender) == ("12345", CALLER)
    item = await wait_in_queue(client, calltaker, contact.case_number)
    assert str(item["summary"]).startswith(CALLBACK_REQUEST_MARK)
    assert item["live"] is False


async def test_key_2_and_a_case_number_reads_out_the_callers_case_status(
    ivr_settings: Settings,
    fastagi: None,
    intake_worker: None,
    client: httpx.AsyncClient,
    calltaker: dict[str, str],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="telephony.fastagi.server")
    _, number = await file_contact(ivr_settings, CALLER)
    digits = number.split("-", 1)[1].replace("-", "")
    dtmf = _rtp_key("2", 1500) + _info_digits(digits + "#", 350)
    # The status takes ~14 s to say (the case, 13 digits, the state); then the
    # "another case / back" menu starts and the caller hangs up.
    path = scenario(tmp_path, dtmf, asterisk_hangs_up=False, hold_ms=17_000)
    rc, out = await ivr_call(ivr_settings.telephony, path)
    assert rc == 0, out
    db = Database(ivr_settings.database)
    try:
        async with db.session() as s:
            events = (
                await s.scalars(
                    select(CaseEventRow)
                    .join(CaseRow, CaseRow.id == CaseEventRow.case_id)
                    .where(CaseRow.number == number)
                )
            ).all()
    finally:
        await db.close()
    [enquiry] = [e for e in events if e.data.get("status_enquiry")]
    assert enquiry.data["caller"] == CALLER
    for _ in range(100):  # the session ends once Asterisk reports the hang-up
        sessions = [r for r in caplog.records if r.getMessage() == "AGI ivr"]
        if sessions:
            break
        await asyncio.sleep(0.05)
    [session] = sessions
    trace = list(session.trace)  # type: ignore[attr-defined]
    assert f"status:{number}:received" in trace
    # status-after is pushed only once the status was said in full.
    assert "menu:status-after" in trace
    # The enquiry call itself was served by the menu: resolved, out of the queue.
    [call] = await phone_contacts(ivr_settings)
    db = Database(ivr_settings.database)
    try:
        async with db.session() as s:
            case = await s.scalar(select(CaseRow).where(CaseRow.number == call.case_number))
            assert case is not None
            log_rows = (
                await s.scalars(select(CaseEventRow).where(CaseEventRow.case_id == case.id))
            ).all()
    finally:
        await db.close()
    assert (case.state, case.queued) == ("completed", False)
    [resolved] = [e for e in log_rows if e.action == "resolve_directly"]
    assert resolved.data["note"] == f"{SELF_SERVICE_NOTE} {number}"
    # The intake worker has handled every contact: it has had every chance to queue it.
    db = Database(ivr_settings.database)
    try:
        await until(lambda: all_processed(db), 30, "every contact processed")
    finally:
        await db.close()
    r = await client.get("/api/v1/queue", headers=calltaker)
    assert call.case_number not in [i["case_number"] for i in r.json()["items"]]


async def test_when_the_fastagi_server_is_down_12345_still_reaches_the_queue(
    ivr_settings: Settings,
    stasis_app: StasisApp,
    intake_worker: None,
    client: httpx.AsyncClient,
    calltaker: dict[str, str],
    tmp_path: Path,
) -> None:
    # Nothing listens on the dialplan's FastAGI port: AGISTATUS=FAILURE → Stasis.
    path = scenario(tmp_path, "", asterisk_hangs_up=False, hold_ms=2500)
    rc, out = await ivr_call(ivr_settings.telephony, path, service="12315")
    assert rc == 0, out
    [contact] = await phone_contacts(ivr_settings)
    assert (contact.hotline, contact.sender) == ("12315", CALLER)
    await wait_in_queue(client, calltaker, contact.case_number)


async def all_contacts(settings: Settings) -> int:
    db = Database(settings.database)
    try:
        async with db.session() as s:
            return len((await s.scalars(select(ContactRow.id))).all())
    finally:
        await db.close()


async def test_plain_12345_call_is_in_the_queue_within_a_second_while_in_the_menu(
    ivr_settings: Settings,
    fastagi: None,
    stasis_app: StasisApp,
    intake_worker: None,
    client: httpx.AsyncClient,
    calltaker: dict[str, str],
    tmp_path: Path,
) -> None:
    # The command, sipp -sn uac -s 12345: no keys; hangs up after 4 s in the menu.
    loop = asyncio.get_running_loop()
    started = loop.time()
    call = asyncio.create_task(sipp(ivr_settings.telephony, "12345", hold_ms=4000, cwd=tmp_path))
    item: dict[str, object] | None = None
    while item is None and loop.time() - started < 5:
        r = await client.get("/api/v1/queue", headers=calltaker)
        item = next((i for i in r.json()["items"] if i["hotline"] == "12345"), None)
        if item is None:
            await asyncio.sleep(0.02)
    visible_s = loop.time() - started
    print(f"12345 caller visible in GET /api/v1/queue {visible_s:.3f} s after sipp started")
    assert item is not None, "the caller never reached the queue"
    assert visible_s < 1.5
    assert (item["channel"], item["live"]) == ("phone", True)
    assert str(item["summary"]).startswith(IN_MENU_MARK)
    rc, out = await call
    assert rc == 0, out
    # Hung up in the menu: a 漏接回拨 item, exactly as a caller who left the queue.
    number = str(item["case_number"])
    deadline = loop.time() + 10
    while loop.time() < deadline:
        item = await wait_in_queue(client, calltaker, number)
        if item["live"] is False:
            break
        await asyncio.sleep(0.1)
    assert item["live"] is False
    assert str(item["summary"]).startswith(CALLBACK_MARK)
    assert IN_MENU_MARK not in str(item["summary"])
    r = await client.get(f"/api/v1/cases/{number}/events", headers=calltaker)
    [missed] = [e for e in r.json() if e["data"].get("missed_call")]
    assert missed["data"]["call_back"] == "sipp"  # the From user of sipp's uac scenario
    assert await all_contacts(ivr_settings) == 1


async def test_pidf_lo_of_a_12345_call_reaches_the_contact_the_menu_makes(
    ivr_settings: Settings, fastagi: None, tmp_path: Path
) -> None:
    # The Stasis app adopts the menu's contact, so the menu must read the location.
    rc, out = await sipp(
        ivr_settings.telephony,
        "12345",
        scenario="uac_pidf.xml",
        keys={"caller": "13912345678", "lat": "27.05", "lon": "106.0"},
        cwd=tmp_path,
    )
    assert rc == 0, out
    [contact] = await phone_contacts(ivr_settings)
    assert contact.location_source == "sip_pidf"
    assert (contact.lat, contact.lon) == pytest.approx((27.05, 106.0))
