"""The AGI wire format, pure: the agi_* header, commands out, ``200 result=`` replies in.

What Asterisk sends on a FastAGI connection (res_agi; pyst2 documents the same):

    agi_network: yes
    agi_network_script: ivr            (the URL's path after host:port/)
    agi_request: agi://127.0.0.1:4573/ivr
    agi_channel: PJSIP/carrier-00000001
    agi_uniqueid: 1764111111.12        (also the ARI channel id)
    agi_callerid: 13800000000          ("unknown" when there is none)
    agi_extension: 12345 ... agi_arg_1: 12345
    <blank line>

then, per command line we write, one reply: ``200 result=<n> [(<data>)] [k=v ...]``;
``510 Invalid or unknown command``; ``511 Command Not Permitted on a dead channel or
intercept routine``; ``520-Invalid command syntax.  Proper usage follows:`` … ``520 End
of proper usage.`` (multi-line). When the caller hangs up Asterisk also writes one
line ``HANGUP`` between replies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from telephony.fastagi.errors import AgiProtocolError

MAX_HEADER_LINES = 128
MAX_LINE = 8192
_ENV_LINE = re.compile(r"^(agi_[a-z0-9_]+):\s?(.*)$")
_REPLY = re.compile(r"^(\d{3})([ -])(.*)$")
_RESULT = re.compile(r"^result=(\S*)(?:\s+\((.*?)\))?(.*)$")
_KV = re.compile(r"(\w+)=(\S*)")
_UNKNOWN = {"", "unknown", "<unknown>"}


@dataclass(frozen=True, slots=True)
class AgiEnvironment:
    variables: dict[str, str]

    def get(self, name: str) -> str:
        return self.variables.get(f"agi_{name}", "")

    @property
    def script(self) -> str:
        """The script path: ``ivr`` for agi://host:4573/ivr (query and slashes cut)."""
        path = self.get("network_script") or self.get("request").split("/", 3)[-1]
        return path.split("?", 1)[0].strip("/")

    @property
    def args(self) -> list[str]:
        out, n = [], 1
        while f"agi_arg_{n}" in self.variables:
            out.append(self.variables[f"agi_arg_{n}"])
            n += 1
        return out

    @property
    def uniqueid(self) -> str:
        return self.get("uniqueid")

    @property
    def callerid(self) -> str:
        value = self.get("callerid").strip()
        return "" if value.lower() in _UNKNOWN else value

    @property
    def extension(self) -> str:
        return self.get("extension")


def parse_env_line(line: str) -> tuple[str, str]:
    m = _ENV_LINE.match(line)
    if m is None:
        raise AgiProtocolError("not an agi_ header line", details={"line": line[:200]})
    return m.group(1), m.group(2).strip()


def parse_environment(lines: list[str]) -> AgiEnvironment:
    variables = dict(parse_env_line(line) for line in lines)
    if "agi_request" not in variables and "agi_network_script" not in variables:
        raise AgiProtocolError("AGI header without agi_request", details={"lines": len(lines)})
    return AgiEnvironment(variables)


@dataclass(frozen=True, slots=True)
class AgiReply:
    code: int
    result: str = ""
    data: str | None = None  # the "(...)" part: (timeout), a variable's value
    extra: dict[str, str] = field(default_factory=dict)  # endpos=…
    text: str = ""  # the rest of a non-200 reply

    @property
    def number(self) -> int:
        """The result as an integer (-1 when it is not one)."""
        try:
            return int(self.result)
        except ValueError:
            return -1


def parse_reply(line: str) -> tuple[AgiReply, bool]:
    """One reply line → (reply, continues): ``continues`` for the ``520-`` lines of a
    multi-line reply."""
    m = _REPLY.match(line)
    if m is None:
        raise AgiProtocolError("not an AGI reply", details={"line": line[:200]})
    code, sep, rest = int(m.group(1)), m.group(2), m.group(3)
    if code != 200:
        return AgiReply(code, text=rest.strip()), sep == "-"
    r = _RESULT.match(rest.strip())
    if r is None:
        raise AgiProtocolError("200 reply without result=", details={"line": line[:200]})
    extra = dict(_KV.findall(r.group(3) or ""))
    return AgiReply(200, r.group(1), r.group(2), extra), False


def quote(arg: str) -> str:
    """An argument as res_agi's parser reads it: in double quotes, with backslash
    escapes; line breaks would end the command, so they become spaces."""
    clean = arg.replace("\r", " ").replace("\n", " ")
    return '"' + clean.replace("\\", "\\\\").replace('"', '\\"') + '"'


def command(verb: str, *args: str | int) -> bytes:
    """``STREAM FILE``, ``"liandong/x"``, ``"0123456789*#"`` → one command line."""
    if not re.fullmatch(r"[A-Z]+( [A-Z]+)*", verb):
        raise ValueError(f"not an AGI command verb: {verb!r}")
    parts = [verb, *(str(a) if isinstance(a, int) else quote(a) for a in args)]
    return (" ".join(parts) + "\n").encode()


__all__ = [
    "AgiEnvironment",
    "AgiReply",
    "command",
    "parse_env_line",
    "parse_environment",
    "parse_reply",
    "quote",
]
