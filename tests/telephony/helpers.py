"""Helpers for the telephony tests: sipp calls, the Asterisk log, phone contacts."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from core.cases.tables import CaseRow, ContactRow
from core.storage.engine import Database
from liandong.settings import Settings
from telephony.asterisk import rootfs
from telephony.asterisk.config import instance_paths
from telephony.settings import TelephonySettings

SCENARIOS = Path(__file__).parent / "scenarios"


def free_udp_port() -> int:
    """A UDP port nothing is bound to (SIP listens and sipp sends on UDP)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def asterisk_log(t: TelephonySettings) -> str:
    path = rootfs.inside(t.rootfs, instance_paths(t.instance).log_dir) / "messages.log"
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


@dataclass(frozen=True)
class PhoneContact:
    channel: str
    hotline: str | None
    sender: str
    lat: float | None
    lon: float | None
    location_source: str | None
    channel_id: str
    case_number: str


async def phone_contacts(settings: Settings) -> list[PhoneContact]:
    db = Database(settings.database)
    try:
        async with db.session() as s:
            rows = await s.execute(
                select(ContactRow, CaseRow.number)
                .join(CaseRow, CaseRow.id == ContactRow.case_id)
                .where(ContactRow.idempotency_key.like("call:%"))
                .order_by(ContactRow.id)
            )
            return [
                PhoneContact(
                    c.channel,
                    c.hotline,
                    c.sender,
                    c.lat,
                    c.lon,
                    c.location_source,
                    (c.idempotency_key or "").removeprefix("call:"),
                    number,
                )
                for c, number in rows.all()
            ]
    finally:
        await db.close()


async def sipp(
    t: TelephonySettings,
    service: str,
    *,
    scenario: str | None = None,
    hold_ms: int = 1500,
    keys: dict[str, str] | None = None,
    local_ip: str = "127.0.0.1",
    cwd: Path,
    timeout_s: int = 30,
) -> tuple[int, str]:
    """One call with sipp, awaited without blocking the event loop the Stasis app runs
    in. Returns sipp's exit code (0: every call completed) and its output."""
    args = ["-sn", "uac"] if scenario is None else ["-sf", str(SCENARIOS / scenario)]
    for key, value in (keys or {}).items():
        args += ["-key", key, value]
    proc = await asyncio.create_subprocess_exec(
        "sipp",
        *args,
        "-s",
        service,
        f"127.0.0.1:{t.sip_port}",
        "-i",
        local_ip,
        "-p",
        str(free_udp_port()),
        "-m",
        "1",
        "-d",
        str(hold_ms),
        "-timeout",
        str(timeout_s),
        "-timeout_error",
        "-nostdin",
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=cwd,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout_s + 15)
    return int(proc.returncode or 0), out.decode(errors="replace")[-2000:]
