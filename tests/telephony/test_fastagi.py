"""The FastAGI server against a scripted Asterisk over real TCP, with a real database.

``telephony.fastagi.testing.FakeAsterisk`` speaks res_agi's side of the protocol byte
for byte (agi_* header, ``200 result=…``, ``HANGUP`` + ``511``, ``520-`` usage errors).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis
from sqlalchemy import select

from core.cases.intake import IntakeService
from core.cases.schemas import ContactCreate
from core.cases.tables import CaseEventRow, CaseRow, ContactRow
from core.clock import Clock, utc_clock
from core.errors import InvalidInput
from core.orgmap.tables import HouseholdRow
from core.queue.outbox import StreamPublisher
from core.queue.streams import RedisStreams
from core.storage.engine import Database
from core.triage.missed import CALLBACK_MARK
from ivr.adapters import CALLBACK_REQUEST_MARK
from ivr.contacts import IN_MENU_MARK, SELF_SERVICE_NOTE
from ivr.settings import IvrSettings
from liandong.settings import Settings
from liandong.wiring import build
from telephony.fastagi.errors import AgiProtocolError
from telephony.fastagi.lookup import Blocklist
from telephony.fastagi.protocol import command, parse_environment, parse_reply, quote
from telephony.fastagi.server import FastAgiServer, Script
from telephony.fastagi.settings import FastAgiSettings
from telephony.fastagi.testing import FakeAsterisk
from telephony.fastagi.wiring import build_scripts
from tests.conftest import make_settings

pytestmark = pytest.mark.anyio
CALLER = "13800001234"


async def fastagi_scripts(
    s: Settings, stack: AsyncExitStack, clock: Clock = utc_clock
) -> dict[str, Script]:
    """The scripts as ``liandong agi serve`` builds them (a lean core)."""
    core = await build(s, stack, clock, lean=True)
    return build_scripts(core, s.ivr, s.fastagi)


# --- fixtures -------------------------------------------------------------------------
def agi_settings(settings: Settings, **agi: float) -> Settings:
    return settings.model_copy(
        update={
            "fastagi": FastAgiSettings(port=0, header_timeout_s=0.5, command_timeout_s=2, **agi),
            "ivr": IvrSettings(hours={}),  # staffed around the clock: tests run at any hour
        }
    )


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[FastAgiServer]:
    s = agi_settings(settings)
    async with AsyncExitStack() as stack:
        scripts = await fastagi_scripts(s, stack)
        yield await stack.enter_async_context(FastAgiServer(s.fastagi, scripts))


async def file_contact(
    settings: Settings, sender: str, *, key: str | None = None, hotline: str = "12345"
) -> tuple[int, str]:
    db = Database(settings.database)
    redis = Redis.from_url(settings.redis.url)
    streams = RedisStreams(redis, prefix=settings.redis.prefix, group="g", maxlen=10000)
    intake = IntakeService(db, StreamPublisher(streams), settings.cases, utc_clock)
    try:
        body = ContactCreate(
            channel="phone", hotline=hotline, sender=sender, text="路灯坏了", idempotency_key=key
        )
        created = await intake.receive(body, actor="test")
        return created.contact_id, created.case_number
    finally:
        await intake.close()
        await redis.aclose()
        await db.close()


# --- the wire format ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("line", "code", "result", "data"),
    [
        ("200 result=1", 200, "1", None),
        ("200 result=0 endpos=16000", 200, "0", None),
        ("200 result=123 (timeout)", 200, "123", "timeout"),
        ("200 result= (timeout)", 200, "", "timeout"),
        ("200 result=1 (北京路 12 号)", 200, "1", "北京路 12 号"),
        ("510 Invalid or unknown command", 510, "", None),
        ("511 Command Not Permitted on a dead channel or intercept routine", 511, "", None),
    ],
)
def test_replies_are_parsed(line: str, code: int, result: str, data: str | None) -> None:
    reply, more = parse_reply(line)
    assert (reply.code, reply.result, reply.data, more) == (code, result, data, False)


def test_multi_line_usage_reply_continues_and_garbage_is_a_typed_error() -> None:
    assert parse_reply("520-Invalid command syntax.  Proper usage follows:")[1] is True
    for bad in ("hello", "200 nothing", "", "20 result=1"):
        with pytest.raises(AgiProtocolError):
            parse_reply(bad)


def test_commands_quote_their_arguments_and_cannot_inject_lines() -> None:
    assert command("STREAM FILE", "liandong/x", "0123456789*#") == (
        b'STREAM FILE "liandong/x" "0123456789*#"\n'
    )
    assert command("WAIT FOR DIGIT", 5000) == b"WAIT FOR DIGIT 5000\n"
    assert quote('a"b\\c\nHANGUP') == '"a\\"b\\\\c HANGUP"'
    with pytest.raises(ValueError, match="verb"):
        command("HANGUP\nEXEC", "x")


def test_environment_needs_agi_lines_and_reads_the_script_path() -> None:
    env = parse_environment(
        ["agi_request: agi://127.0.0.1:4573/lookup?x=1", "agi_callerid: unknown", "agi_arg_1: 9"]
    )
    assert (env.script, env.callerid, env.args) == ("lookup", "", ["9"])
    with pytest.raises(AgiProtocolError):
        parse_environment(["GET / HTTP/1.1"])


# --- the server, garbage and hang-ups --------------------------------------------------
async def test_garbage_header_is_dropped_and_the_server_keeps_serving(
    server: FastAgiServer,
) -> None:
    for junk in (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", b"\xff\xfe\x00garbage\n\n", b""):
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(junk)
        await writer.drain()
        assert await asyncio.wait_for(reader.read(), 3) == b""  # closed, nothing sent
        writer.close()
    fake = FakeAsterisk(server.port, keys=["1"])
    await fake.call()
    assert fake.variables["IVR_RESULT"] == "queue"


async def test_unknown_script_is_closed_at_once(server: FastAgiServer) -> None:
    fake = FakeAsterisk(server.port, script="../etc/passwd")
    assert await fake.call() == []
    assert fake.closed_by_server


async def test_hang_up_mid_menu_ends_the_session_cleanly(server: FastAgiServer) -> None:
    fake = FakeAsterisk(server.port, keys=[])  # never presses anything, then hangs up
    commands = await fake.call()
    # First the INVITE's location (for the contact the call takers see at once).
    assert commands[0] == 'GET VARIABLE "GEOLOC_PROFILE(format)"'
    assert commands[1] == 'STREAM FILE "liandong/ivr-welcome-12345" "0123456789*#"'
    assert commands[-1].startswith("WAIT FOR DIGIT")
    assert fake.variables == {}  # nothing set on a dead channel
    again = FakeAsterisk(server.port, keys=["1"])
    await again.call()
    assert again.variables["IVR_RESULT"] == "queue"


async def test_usage_error_and_garbage_replies_end_only_that_session(
    server: FastAgiServer,
) -> None:
    usage_lines = [
        "520-Invalid command syntax.  Proper usage follows:",
        "Usage: STREAM FILE <filename> <escape_digits> [<sample offset>]",
        "520 End of proper usage.",
    ]
    usage = FakeAsterisk(
        server.port, override=lambda c: usage_lines if c.startswith("STREAM FILE") else None
    )
    assert len(await usage.call()) == 2  # GET VARIABLE, then the refused STREAM FILE
    garbage = FakeAsterisk(server.port, override=lambda c: ["hello there"])
    assert len(await garbage.call()) == 1
    ok = FakeAsterisk(server.port, keys=["1"])
    await ok.call()
    assert ok.variables["IVR_RESULT"] == "queue"


async def test_a_silent_peer_times_out(settings: Settings) -> None:
    s = agi_settings(settings)
    async with AsyncExitStack() as stack:
        scripts = await fastagi_scripts(s, stack)
        srv = await stack.enter_async_context(FastAgiServer(s.fastagi, scripts))
        reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
        writer.write(b"agi_network: yes\n")  # … and never the blank line
        await writer.drain()
        t0 = asyncio.get_running_loop().time()
        assert await asyncio.wait_for(reader.read(), 5) == b""
        assert asyncio.get_running_loop().time() - t0 < 2
        writer.close()


async def test_a_full_server_closes_new_connections(settings: Settings) -> None:
    s = agi_settings(settings, max_sessions=1)
    async with AsyncExitStack() as stack:
        scripts = await fastagi_scripts(s, stack)
        srv = await stack.enter_async_context(FastAgiServer(s.fastagi, scripts))
        _, holder = await asyncio.open_connection("127.0.0.1", srv.port)  # header pending
        await asyncio.sleep(0.05)
        reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
        assert await asyncio.wait_for(reader.read(), 2) == b""
        writer.close()
        holder.close()


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
