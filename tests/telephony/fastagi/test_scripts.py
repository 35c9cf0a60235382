"""The FastAGI scripts (``ivr``, ``lookup``) with a real database, against a scripted
Asterisk over real TCP."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from core.cases.tables import CaseEventRow, CaseRow, ContactRow
from core.clock import utc_clock
from core.errors import InvalidInput
from core.orgmap.tables import HouseholdRow
from core.storage.engine import Database
from core.triage.missed import CALLBACK_MARK
from liandong.settings import Settings
from telephony.fastagi.contacts import IN_MENU_MARK, SELF_SERVICE_NOTE
from telephony.fastagi.ivr_backend import CALLBACK_REQUEST_MARK
from telephony.fastagi.lookup import Blocklist
from telephony.fastagi.server import FastAgiServer
from tests.conftest import make_settings
from tests.telephony.fastagi.fake_asterisk import FakeAsterisk
from tests.telephony.fastagi.support import CALLER, agi_settings, fastagi_scripts, file_contact

pytestmark = pytest.mark.anyio


# --- the ivr script --------------------------------------------------------------------
async def test_ivr_key_1_leaves_queue_and_category_for_the_dialplan(server: FastAgiServer) -> None:
    fake = FakeAsterisk(server.port, keys=["1"])
    await fake.call()
    assert fake.variables == {"IVR_RESULT": "queue", "IVR_CATEGORY": "consult_complaint"}
    assert fake.closed_by_server


async def test_ivr_key_9_books_a_call_back_item(server: FastAgiServer, settings: Settings) -> None:
    fake = FakeAsterisk(server.port, args=("12315",), keys=["9"], uniqueid="1764.99")
    await fake.call()
    assert fake.variables["IVR_RESULT"] == "callback"
    db = Database(settings.database)
    try:
        async with db.session() as s:
            contacts = (await s.scalars(select(ContactRow))).all()
            case = await s.get(CaseRow, contacts[0].case_id)
    finally:
        await db.close()
    # The call's own contact (made when the menu started) became the call-back item.
    [contact] = contacts
    assert contact.idempotency_key == "call:1764.99"
    assert (contact.hotline, contact.sender, contact.live) == ("12315", CALLER, False)
    assert contact.text == ""  # the caller said nothing; the summary says why
    assert case is not None and case.summary.startswith(CALLBACK_REQUEST_MARK)


async def test_ivr_status_enquiry_reads_the_callers_case_and_logs_it(
    server: FastAgiServer, settings: Settings
) -> None:
    _, number = await file_contact(settings, CALLER)
    digits = number.split("-", 1)[1].replace("-", "")
    fake = FakeAsterisk(server.port, keys=["2", None, None], digits=[digits])
    commands = await fake.call()
    assert 'GET DATA "liandong/ivr-status-enter" 10000 16' in commands
    assert f'SAY DIGITS "{digits}" ""' in commands
    assert 'STREAM FILE "liandong/ivr-state-received" ""' in commands
    assert fake.variables["IVR_RESULT"] == "status_done"
    db = Database(settings.database)
    try:
        async with db.session() as s:
            rows = (
                await s.scalars(select(CaseEventRow).join(CaseRow).where(CaseRow.number == number))
            ).all()
    finally:
        await db.close()
    [note] = [r for r in rows if r.data.get("status_enquiry")]
    assert (note.actor, note.data["caller"]) == ("system:ivr", CALLER)


async def test_ivr_status_of_another_persons_case_is_not_read_out(
    server: FastAgiServer, settings: Settings
) -> None:
    _, number = await file_contact(settings, "13999990000")
    digits = number.split("-", 1)[1].replace("-", "")
    fake = FakeAsterisk(server.port, keys=["2"], digits=[digits])
    commands = await fake.call()
    assert 'STREAM FILE "liandong/ivr-status-not-found" ""' in commands
    assert not any(c.startswith("SAY DIGITS") for c in commands)
    assert not any("ivr-state-" in c for c in commands)


# --- the lookup script -----------------------------------------------------------------
async def test_lookup_sets_contact_repeat_count_blocklist_and_address(
    server: FastAgiServer, settings: Settings
) -> None:
    db = Database(settings.database)
    try:
        async with db.session() as s:
            home = await s.scalar(select(HouseholdRow).order_by(HouseholdRow.id).limit(1))
            assert home is not None
        number, address = home.phone, home.address
        await Blocklist(db, utc_clock).add(number, "反复骚扰", "test")
    finally:
        await db.close()
    await file_contact(settings, number)
    contact_id, _ = await file_contact(settings, number, key="call:1764.7")
    fake = FakeAsterisk(server.port, script="lookup", args=(), callerid=number, uniqueid="1764.7")
    await fake.call()
    assert fake.variables == {
        "LIANDONG_CONTACT_ID": str(contact_id),
        "LIANDONG_REPEAT_24H": "2",
        "LIANDONG_BLOCKLISTED": "1",
        "LIANDONG_ADDRESS": address,
    }


async def test_lookup_of_a_stranger_says_nothing_known(server: FastAgiServer) -> None:
    fake = FakeAsterisk(server.port, script="lookup", callerid="unknown")
    await fake.call()
    assert fake.variables == {
        "LIANDONG_CONTACT_ID": "",
        "LIANDONG_REPEAT_24H": "0",
        "LIANDONG_BLOCKLISTED": "0",
        "LIANDONG_ADDRESS": "",
    }


async def test_lookup_window_and_blocklist_expiry_follow_the_clock(settings: Settings) -> None:
    number = "13700007777"
    db = Database(settings.database)
    try:
        await Blocklist(db, utc_clock).add(
            number, "临时", "test", expires_at=datetime.now(UTC) + timedelta(hours=1)
        )
        with pytest.raises(InvalidInput):
            await Blocklist(db, utc_clock).add(" ", "x", "test")
    finally:
        await db.close()
    await file_contact(settings, "+86" + number)  # stored with the country code
    s = agi_settings(settings)
    later = datetime.now(UTC) + timedelta(hours=25)
    for clock, repeat, blocked in ((utc_clock, "1", "1"), (lambda: later, "0", "0")):
        async with AsyncExitStack() as stack:
            scripts = await fastagi_scripts(s, stack, clock)
            srv = await stack.enter_async_context(FastAgiServer(s.fastagi, scripts))
            fake = FakeAsterisk(srv.port, script="lookup", callerid=number)
            await fake.call()
        assert fake.variables["LIANDONG_REPEAT_24H"] == repeat
        assert fake.variables["LIANDONG_BLOCKLISTED"] == blocked


async def test_lookup_blocklist_and_call_back_work_on_sqlite_and_postgresql(
    db_url: str, redis_url: str, redis_prefix: str
) -> None:
    s = agi_settings(make_settings(db_url, redis_url, redis_prefix))
    db = Database(s.database)
    try:
        await Blocklist(db, utc_clock).add("13600001111", "骚扰", "test")
        await Blocklist(db, utc_clock).add("13600001111", "再次骚扰", "test")  # an update
    finally:
        await db.close()
    async with AsyncExitStack() as stack:
        scripts = await fastagi_scripts(s, stack)
        srv = await stack.enter_async_context(FastAgiServer(s.fastagi, scripts))
        lookup = FakeAsterisk(srv.port, script="lookup", callerid="13600001111")
        await lookup.call()
        callback = FakeAsterisk(srv.port, keys=["9"], callerid="13600001111", uniqueid="9.1")
        await callback.call()
    assert lookup.variables["LIANDONG_BLOCKLISTED"] == "1"
    assert callback.variables["IVR_RESULT"] == "callback"


# --- the caller's contact while in the menu ----------------------------------------------
async def _call_contact(settings: Settings, uniqueid: str) -> tuple[ContactRow, CaseRow]:
    db = Database(settings.database)
    try:
        async with db.session() as s:
            row = (
                await s.execute(
                    select(ContactRow, CaseRow)
                    .join(CaseRow, CaseRow.id == ContactRow.case_id)
                    .where(ContactRow.idempotency_key == f"call:{uniqueid}")
                )
            ).one()
            return row[0], row[1]
    finally:
        await db.close()


async def _case_events(settings: Settings, number: str) -> list[CaseEventRow]:
    db = Database(settings.database)
    try:
        async with db.session() as s:
            return list(
                (
                    await s.scalars(
                        select(CaseEventRow).join(CaseRow).where(CaseRow.number == number)
                    )
                ).all()
            )
    finally:
        await db.close()


async def test_ivr_caller_is_a_live_marked_contact_before_the_first_prompt_ends(
    server: FastAgiServer, settings: Settings
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(FakeAsterisk(server.port, uniqueid="1764.10").header())
    await writer.drain()
    first = (await asyncio.wait_for(reader.readline(), 5)).decode()
    assert first.startswith('GET VARIABLE "GEOLOC_PROFILE(format)"')
    writer.write(b"200 result=0\n")  # no PIDF-LO in this call
    second = (await asyncio.wait_for(reader.readline(), 5)).decode()
    assert second.startswith('STREAM FILE "liandong/ivr-welcome-12345"')
    # The welcome has not even been answered yet: the contact exists, live, marked.
    contact, case = await _call_contact(settings, "1764.10")
    assert (contact.channel, contact.hotline, contact.sender) == ("phone", "12345", CALLER)
    assert contact.live
    assert case.summary.startswith(IN_MENU_MARK)
    # The caller hangs up in the menu: 漏接回拨, exactly like a caller who left the queue.
    writer.write(b"HANGUP\n511 Command Not Permitted on a dead channel or intercept routine\n")
    await writer.drain()
    assert await asyncio.wait_for(reader.read(), 5) == b""  # the server closed the session
    writer.close()
    contact, case = await _call_contact(settings, "1764.10")
    assert (contact.live, contact.text) == (False, "")
    assert case.summary.startswith(CALLBACK_MARK)
    assert IN_MENU_MARK not in case.summary
    [missed] = [e for e in await _case_events(settings, case.number) if e.data.get("missed_call")]
    assert missed.data["call_back"] == CALLER


async def test_ivr_key_1_unmarks_the_contact_for_the_stasis_app_to_adopt(
    server: FastAgiServer, settings: Settings
) -> None:
    fake = FakeAsterisk(server.port, keys=["1"], uniqueid="1764.11")
    await fake.call()
    contact, case = await _call_contact(settings, "1764.11")
    assert contact.live  # the caller goes on to the queue (Stasis) on this same contact
    assert (case.summary, contact.text) == ("", "")
    assert case.state == "received"


async def test_ivr_status_enquiry_then_goodbye_resolves_the_enquiry_call_directly(
    server: FastAgiServer, settings: Settings
) -> None:
    _, number = await file_contact(settings, CALLER)
    digits = number.split("-", 1)[1].replace("-", "")
    fake = FakeAsterisk(server.port, keys=["2", None, None], digits=[digits], uniqueid="1764.12")
    await fake.call()
    assert fake.variables["IVR_RESULT"] == "status_done"
    contact, case = await _call_contact(settings, "1764.12")
    assert (case.state, case.queued, contact.live) == ("completed", False, False)
    assert IN_MENU_MARK not in case.summary
    [resolved] = [
        e for e in await _case_events(settings, case.number) if e.action == "resolve_directly"
    ]
    assert resolved.data["note"] == f"{SELF_SERVICE_NOTE} {number}"
    assert resolved.actor == "system:ivr"


async def test_ivr_status_enquiry_then_hang_up_also_resolves_it(
    server: FastAgiServer, settings: Settings
) -> None:
    _, number = await file_contact(settings, CALLER)
    digits = number.split("-", 1)[1].replace("-", "")
    fake = FakeAsterisk(server.port, keys=["2"], digits=[digits], uniqueid="1764.13")
    await fake.call()  # hangs up in the "another case / back" menu
    _, case = await _call_contact(settings, "1764.13")
    assert case.state == "completed"
    assert not case.summary.startswith(CALLBACK_MARK)


async def test_ivr_runs_when_the_database_is_down_and_stasis_registers_the_call(
    redis_url: str, redis_prefix: str
) -> None:
    # Nothing listens on port 1: every intake fails at once.
    s = agi_settings(
        make_settings("postgresql+asyncpg://postgres@127.0.0.1:1/none", redis_url, redis_prefix)
    )
    async with AsyncExitStack() as stack:
        scripts = await fastagi_scripts(s, stack)
        srv = await stack.enter_async_context(FastAgiServer(s.fastagi, scripts))
        fake = FakeAsterisk(srv.port, keys=["1"], uniqueid="1764.14")
        await fake.call()
    assert fake.variables == {"IVR_RESULT": "queue", "IVR_CATEGORY": "consult_complaint"}


async def test_menu_contact_outcomes_work_on_sqlite_and_postgresql(
    db_url: str, redis_url: str, redis_prefix: str
) -> None:
    s = agi_settings(make_settings(db_url, redis_url, redis_prefix))
    _, number = await file_contact(s, CALLER)
    digits = number.split("-", 1)[1].replace("-", "")
    async with AsyncExitStack() as stack:
        scripts = await fastagi_scripts(s, stack)
        srv = await stack.enter_async_context(FastAgiServer(s.fastagi, scripts))
        await FakeAsterisk(srv.port, keys=[], uniqueid="1764.20").call()  # hangs up
        await FakeAsterisk(srv.port, keys=["2"], digits=[digits], uniqueid="1764.21").call()
        await FakeAsterisk(srv.port, keys=["9"], uniqueid="1764.22").call()
    _, missed = await _call_contact(s, "1764.20")
    _, served = await _call_contact(s, "1764.21")
    back, booked = await _call_contact(s, "1764.22")
    assert missed.summary.startswith(CALLBACK_MARK) and missed.state == "received"
    assert served.state == "completed"
    assert (back.live, booked.summary[: len(CALLBACK_REQUEST_MARK)]) == (
        False,
        CALLBACK_REQUEST_MARK,
    )
