"""The FastAGI wire format and the server's robustness, against a scripted Asterisk
over real TCP (``tests.telephony.fastagi.fake_asterisk.FakeAsterisk`` speaks res_agi's
side byte for byte: agi_* header, ``200 result=…``, ``HANGUP`` + ``511``, ``520-``
usage errors)."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

import pytest

from liandong.settings import Settings
from telephony.fastagi.errors import AgiProtocolError
from telephony.fastagi.protocol import command, parse_environment, parse_reply, quote
from telephony.fastagi.server import FastAgiServer
from tests.telephony.fastagi.fake_asterisk import FakeAsterisk
from tests.telephony.fastagi.support import agi_settings, fastagi_scripts

pytestmark = pytest.mark.anyio


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
