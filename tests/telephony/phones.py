"""Phones for the call-control tests: a seat's desk phone, a unit's system, ARI reads.

A desk phone is two sipp runs on one port: ``seat_register.xml`` registers the seat
(digest auth) and exits, then ``sipp -sn uas`` answers on the registered contact
(sipp maps messages to calls by Call-ID, so one scenario cannot do both). A unit
(police command center …) is ``sipp -sn uas`` on its trunk's contact port.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from telephony.asterisk.config import seat_password
from telephony.settings import TelephonySettings
from tests.telephony.helpers import SCENARIOS, free_udp_port

T = TypeVar("T")


@dataclass
class Sipp:
    proc: asyncio.subprocess.Process
    port: int

    async def result(self, limit_s: float = 60) -> tuple[int, str]:
        out, _ = await asyncio.wait_for(self.proc.communicate(), limit_s)
        return int(self.proc.returncode or 0), out.decode(errors="replace")[-2000:]

    async def stop(self, grace_s: float = 0.0) -> str:
        """Kill it if still running after ``grace_s``; its output's tail."""
        if self.proc.returncode is None and grace_s:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.proc.wait(), grace_s)
        if self.proc.returncode is None:
            self.proc.kill()
        with contextlib.suppress(Exception):
            out, _ = await asyncio.wait_for(self.proc.communicate(), 5)
            return out.decode(errors="replace")[-1500:]
        return ""


async def run_sipp(t: TelephonySettings, args: list[str], port: int, cwd: Path) -> Sipp:
    proc = await asyncio.create_subprocess_exec(
        "sipp", *args, f"127.0.0.1:{t.sip_port}", "-i", "127.0.0.1", "-p", str(port),
        "-nostdin", "-timeout", "90", "-timeout_error",
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT, cwd=cwd,
    )  # fmt: skip
    return Sipp(proc, port)


async def ari_get(t: TelephonySettings, path: str) -> Any:
    async with httpx.AsyncClient(
        base_url=f"{t.ari_base_url}/ari",
        auth=(t.ari_user, t.ari_password.get_secret_value()),
        timeout=5,
    ) as http:
        r = await http.get(path)
        r.raise_for_status()
        return r.json()


async def eventually(
    probe: Callable[[], Awaitable[T | None]], limit_s: float = 20, what: str = "condition"
) -> T:
    deadline = asyncio.get_running_loop().time() + limit_s
    while True:
        value = await probe()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what} not reached within {limit_s} s")
        await asyncio.sleep(0.1)


@contextlib.asynccontextmanager
async def seat_phone(
    t: TelephonySettings, seat: str, cwd: Path, *, answer: bool = True
) -> AsyncIterator[Sipp]:
    """A registered desk phone for ``seat`` that answers one call (``answer=False``:
    rings until Asterisk gives up, ``seat_no_answer.xml``)."""
    port = free_udp_port()
    password = seat_password(t.seat_secret.get_secret_value(), seat)
    reg = await run_sipp(
        t, ["-sf", str(SCENARIOS / "seat_register.xml"), "-s", seat,
            "-au", seat, "-ap", password, "-m", "1"], port, cwd,
    )  # fmt: skip
    rc, out = await reg.result(20)
    assert rc == 0, out

    async def online() -> bool:
        ep = await ari_get(t, f"/endpoints/PJSIP/{seat}")
        return bool(ep.get("state") == "online")

    await eventually(online, 10, f"{seat} registered")
    scenario = ["-sn", "uas"] if answer else ["-sf", str(SCENARIOS / "seat_no_answer.xml")]
    uas = await run_sipp(t, [*scenario, "-m", "1"], port, cwd)
    try:
        yield uas
    finally:
        await uas.stop(grace_s=5)


def trunk_port(t: TelephonySettings, trunk: str) -> int:
    [contact] = [o.contact for o in t.outbound_trunks if o.name == trunk]
    return int(contact.rsplit(":", 1)[1])


@contextlib.asynccontextmanager
async def unit_system(t: TelephonySettings, trunk: str, cwd: Path) -> AsyncIterator[Sipp]:
    """The unit behind an outbound trunk: answers one call."""
    uas = await run_sipp(t, ["-sn", "uas", "-m", "1"], trunk_port(t, trunk), cwd)
    try:
        await asyncio.sleep(0.3)  # bound before Asterisk dials it
        yield uas
    finally:
        # Let it take the BYE that ends its call: killed first, the BYE's retransmits
        # would reach the next test's UAS on the same port as a stray "call".
        tail = await uas.stop(grace_s=5)
        if uas.proc.returncode not in (0, -9):
            print(f"{trunk} UAS exited with {uas.proc.returncode}:\n{tail}")
