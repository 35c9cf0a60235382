"""A scripted Asterisk for testing FastAGI scripts over real TCP (shipped with the
package, like panoramisk's test harness).

``FakeAsterisk`` speaks res_agi's side byte for byte: the agi_* header, then one reply
per command line - ``200 result=…`` (a key as its ASCII code, GET DATA digits, ``(timeout)``),
``HANGUP`` followed by ``511`` once the scripted caller has gone, or whatever ``override``
returns (``520-`` usage errors, garbage).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

CALLER = "13800001234"


@dataclass
class FakeAsterisk:
    """Answers commands like res_agi. ``keys``: per STREAM FILE (interruptible) / WAIT
    FOR DIGIT, the key pressed (None: none). An exhausted script is a hang-up."""

    port: int
    script: str = "ivr"
    args: tuple[str, ...] = ("12345",)
    callerid: str = CALLER
    uniqueid: str = "1764111111.1"
    keys: list[str | None] = field(default_factory=list)
    digits: list[str] = field(default_factory=list)
    override: Callable[[str], list[str] | None] | None = None
    commands: list[str] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    closed_by_server: bool = False

    def header(self) -> bytes:
        lines = {
            "agi_network": "yes",
            "agi_network_script": self.script,
            "agi_request": f"agi://127.0.0.1:{self.port}/{self.script}",
            "agi_channel": "PJSIP/carrier-00000001",
            "agi_language": "zh",
            "agi_type": "PJSIP",
            "agi_uniqueid": self.uniqueid,
            "agi_version": "22.10.0",
            "agi_callerid": self.callerid,
            "agi_calleridname": "unknown",
            "agi_context": "liandong-ivr",
            "agi_extension": self.args[0] if self.args else "s",
            "agi_priority": "3",
            "agi_enhanced": "0.0",
            "agi_threadid": "140000000000000",
        }
        for i, a in enumerate(self.args, 1):
            lines[f"agi_arg_{i}"] = a
        return ("".join(f"{k}: {v}\n" for k, v in lines.items()) + "\n").encode()

    def reply(self, cmd: str) -> list[str]:
        if self.override is not None and (custom := self.override(cmd)) is not None:
            return custom
        if cmd.startswith("STREAM FILE"):
            if cmd.endswith('"0123456789*#"') and self.keys and self.keys[0] is not None:
                return [f"200 result={ord(str(self.keys.pop(0)))} endpos=4000"]
            return ["200 result=0 endpos=16000"]
        if cmd.startswith("WAIT FOR DIGIT"):
            if not self.keys:
                return [
                    "HANGUP",
                    "511 Command Not Permitted on a dead channel or intercept routine",
                ]
            key = self.keys.pop(0)
            return [f"200 result={ord(key) if key else 0}"]
        if cmd.startswith("GET DATA"):
            if not self.digits:
                return ["200 result= (timeout)"]
            return [f"200 result={self.digits.pop(0)}"]
        if cmd.startswith("SET VARIABLE"):
            name, value = _unquote_two(cmd.removeprefix("SET VARIABLE "))
            self.variables[name] = value
            return ["200 result=1"]
        return ["200 result=0"]

    async def call(self) -> list[str]:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        writer.write(self.header())
        await writer.drain()
        try:
            while True:
                line = await asyncio.wait_for(reader.readline(), 10)
                if not line:
                    self.closed_by_server = True
                    break
                cmd = line.decode().rstrip("\n")
                self.commands.append(cmd)
                writer.write("".join(f"{r}\n" for r in self.reply(cmd)).encode())
                await writer.drain()
        finally:
            writer.close()
        return self.commands


def _unquote_two(text: str) -> tuple[str, str]:
    parts, cur, inq, esc = [], "", False, False
    for ch in text:
        if esc:
            cur, esc = cur + ch, False
        elif ch == "\\":
            esc = True
        elif ch == '"':
            inq = not inq
        elif ch == " " and not inq:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return parts[0], parts[1]


__all__ = ["CALLER", "FakeAsterisk"]
