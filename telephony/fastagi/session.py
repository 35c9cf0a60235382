"""One FastAGI connection: read the header, send commands, read their replies.

The socket's errors are translated here, once: EOF and resets become
:class:`AgiHangup` (Asterisk closes the socket when the channel is gone), slow peers
:class:`AgiTimeout`, lines we cannot read :class:`AgiProtocolError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telephony.fastagi.errors import AgiCommandFailed, AgiHangup, AgiProtocolError, AgiTimeout
from telephony.fastagi.protocol import (
    MAX_HEADER_LINES,
    AgiEnvironment,
    AgiReply,
    command,
    parse_environment,
    parse_reply,
)

log = logging.getLogger(__name__)
INTERRUPT = "0123456789*#"


class AgiSession:
    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        command_timeout_s: float,
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.command_timeout_s = command_timeout_s
        self.hung_up = False  # Asterisk wrote HANGUP: the channel is gone
        self.env = AgiEnvironment({})
        self.sent: list[str] = []  # command verbs, for the session log

    async def _line(self, timeout_s: float) -> str:
        try:
            raw = await asyncio.wait_for(self.reader.readline(), timeout_s)
        except TimeoutError:
            raise AgiTimeout(f"no AGI line within {timeout_s:g} s") from None
        except (OSError, asyncio.LimitOverrunError, ValueError) as exc:
            if isinstance(exc, OSError):
                raise AgiHangup("AGI connection lost", details={"error": str(exc)}) from exc
            raise AgiProtocolError("AGI line too long") from exc
        if not raw:
            raise AgiHangup("Asterisk closed the AGI connection")
        if not raw.endswith(b"\n"):
            raise AgiHangup("AGI connection closed mid-line")
        try:
            return raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            return raw.decode("latin-1").rstrip("\r\n")

    async def read_environment(self, timeout_s: float) -> AgiEnvironment:
        """The agi_* header up to its blank line, all within ``timeout_s``."""
        lines: list[str] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while True:
            line = await self._line(max(0.01, deadline - loop.time()))
            if line == "":
                break
            lines.append(line)
            if len(lines) > MAX_HEADER_LINES:
                raise AgiProtocolError("AGI header too long", details={"lines": len(lines)})
        self.env = parse_environment(lines)
        return self.env

    async def execute(
        self, verb: str, *args: str | int, timeout_s: float | None = None
    ) -> AgiReply:
        """Send one command and return its 200 reply; 511 (dead channel) and a closed
        socket raise :class:`AgiHangup`, 510/520 :class:`AgiCommandFailed`."""
        if self.hung_up:
            raise AgiHangup("the channel hung up", details={"command": verb})
        try:
            self.writer.write(command(verb, *args))
            await self.writer.drain()
        except (OSError, RuntimeError) as exc:
            raise AgiHangup("AGI connection lost", details={"error": str(exc)}) from exc
        self.sent.append(verb)
        wait = timeout_s if timeout_s is not None else self.command_timeout_s
        while True:
            line = await self._line(wait)
            if line.strip() == "HANGUP":
                # Written by Asterisk between replies when the caller hangs up; the
                # reply to our command still follows.
                self.hung_up = True
                continue
            reply, more = parse_reply(line)
            while more:
                _, more = parse_reply(await self._line(wait))
            if reply.code == 200:
                return reply
            if reply.code == 511:
                self.hung_up = True
                raise AgiHangup("the channel hung up", details={"command": verb})
            raise AgiCommandFailed(
                f"Asterisk refused {verb}: {reply.code} {reply.text}",
                details={"command": verb, "code": reply.code},
            )

    # --- the commands the scripts use (pyst2's names) ----------------------------------
    async def stream_file(self, name: str, escape_digits: str = "") -> str | None:
        """Play a sound; returns the key that interrupted it. A missing file gives
        result -1 on a live channel: logged and skipped, never dead air."""
        reply = await self.execute("STREAM FILE", name, escape_digits)
        if reply.number < 0:
            log.warning(
                "STREAM FILE gave -1 (missing sound, or the caller left)", extra={"sound": name}
            )
            return None
        return chr(reply.number) if reply.number > 0 else None

    async def wait_for_digit(self, timeout_ms: int) -> str | None:
        reply = await self.execute(
            "WAIT FOR DIGIT", timeout_ms, timeout_s=timeout_ms / 1000 + self.command_timeout_s
        )
        if reply.number < 0:
            raise AgiHangup("WAIT FOR DIGIT failed: the channel is gone")
        return chr(reply.number) if reply.number > 0 else None

    async def get_data(self, name: str, timeout_ms: int, max_digits: int) -> tuple[str, bool]:
        """Play ``name`` and read digits until '#', ``max_digits`` or the timeout.
        Returns (digits, timed_out)."""
        reply = await self.execute(
            "GET DATA",
            name,
            timeout_ms,
            max_digits,
            timeout_s=timeout_ms / 1000 + self.command_timeout_s,
        )
        if reply.result == "-1":
            raise AgiHangup("GET DATA failed: the channel is gone")
        digits = "".join(ch for ch in reply.result if ch in INTERRUPT and ch != "#")
        return digits, reply.data == "timeout"

    async def say_digits(self, digits: str, escape_digits: str = "") -> None:
        if not digits.isdigit():
            raise ValueError(f"SAY DIGITS needs digits, not {digits!r}")
        reply = await self.execute("SAY DIGITS", digits, escape_digits)
        if reply.number < 0:
            raise AgiHangup("SAY DIGITS failed: the channel is gone")

    async def set_variable(self, name: str, value: str) -> None:
        await self.execute("SET VARIABLE", name, value)

    async def get_variable(self, name: str) -> str | None:
        reply = await self.execute("GET VARIABLE", name)
        return reply.data if reply.number == 1 else None

    async def verbose(self, message: str, level: int = 1) -> None:
        await self.execute("VERBOSE", message, level)

    async def hangup(self) -> None:
        await self.execute("HANGUP")

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(OSError, TimeoutError):
            await asyncio.wait_for(self.writer.wait_closed(), 2)


__all__ = ["INTERRUPT", "AgiSession"]
