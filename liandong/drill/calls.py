"""Carrier calls in a drill: sipp on each of the six hotlines.

Per hotline two sipp processes place the calls at the drill's rate, each caller's
number from an injection file (so the reconciliation finds every call's contact by
its number): one group waits in the queue for 4 s and hangs up (nobody answers in a
drill, so each becomes a call-back item), the other carries its location as PIDF-LO
and hangs up after 0.8 s, during the greeting. sipp's own statistics file says how
many calls failed at the SIP level (Asterisk refused or never answered them).
"""

from __future__ import annotations

import asyncio
import csv
import shutil
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from redis.asyncio import Redis

import simulators
from liandong.drill.traffic import Sent, Traffic
from liandong.settings import Settings
from telephony.asterisk import runner

HOTLINES = ("110", "119", "120", "122", "12315", "12345")
SCENARIOS = Path(simulators.__file__).resolve().parent / "sipp"
CALL_SHARE = 0.4  # of a surge's contacts, when the platform has telephony
GROUPS = (("caller.xml", 4000), ("caller_pidf.xml", 800))  # scenario, hold (ms)


def unavailable(settings: Settings) -> str | None:
    """Why the drill places no calls, or None when it can."""
    if shutil.which("sipp") is None:
        return "sipp is not installed (Debian package sip-tester)"
    if runner.ari_info(settings.telephony, 1.0) is None:
        return f"Asterisk's ARI does not answer at {settings.telephony.ari_base_url}"
    return None


async def ready(settings: Settings, limit_s: float = 60.0) -> str | None:
    """Wait (bounded) until the telephony side can take calls: the Stasis app has
    connected to the Asterisk now running (it records Asterisk's start time in Redis on
    every connection) and the FastAGI server accepts connections. A drill that starts
    before them measures start-up, not the surge. The reason when still not ready."""
    t, fa = settings.telephony, settings.fastagi
    key = f"{settings.redis.prefix}:tel:asterisk_started"
    redis = Redis.from_url(settings.redis.url, decode_responses=True, socket_timeout=5)
    deadline = time.monotonic() + limit_s
    why = "not checked"
    try:
        while True:
            info = await asyncio.to_thread(runner.ari_info, t, 1.0)
            started = str((info or {}).get("status", {}).get("startup_time", ""))
            app_seen = bool(started) and await redis.get(key) == started
            try:
                _, w = await asyncio.wait_for(asyncio.open_connection(fa.host, fa.port), 1.0)
                w.close()
                agi = True
            except (OSError, TimeoutError):
                agi = False
            if app_seen and agi:
                return None
            why = "the Stasis app has not connected" if not app_seen else "FastAGI is down"
            if time.monotonic() > deadline:
                return why
            await asyncio.sleep(0.5)
    finally:
        await redis.aclose()


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class CallGroup:
    hotline: str
    scenario: str
    hold_ms: int
    seqs: list[int]


def plan(first_seq: int, calls: int) -> list[CallGroup]:
    groups = [CallGroup(h, sc, hold, []) for h in HOTLINES for sc, hold in GROUPS]
    for k in range(calls):
        groups[k % len(groups)].seqs.append(first_seq + k)
    return [g for g in groups if g.seqs]


async def place(
    g: CallGroup, traffic: Traffic, duration: float, work: Path
) -> tuple[list[Sent], int]:
    """Place the group's calls spread over ``duration``; (calls, how many failed)."""
    t = traffic.settings.telephony
    name = f"{g.hotline}-{Path(g.scenario).stem}"
    inf = work / f"{name}.csv"
    with inf.open("w", newline="") as fh:
        fh.write("SEQUENTIAL\n")
        w = csv.writer(fh, delimiter=";", lineterminator=";\n")
        for seq in g.seqs:
            gps = traffic.gps(seq)
            w.writerow([traffic.phone(seq), f"{gps['lat']:.5f}", f"{gps['lon']:.5f}"])
    period_ms = max(1, int(duration * 1000 / len(g.seqs)))
    stats = work / f"{name}.stat.csv"
    started = time.time()
    proc = await asyncio.create_subprocess_exec(
        "sipp", "-sf", str(SCENARIOS / g.scenario), "-inf", str(inf), "-s", g.hotline,
        f"{t.sip_bind}:{t.sip_port}", "-i", "127.0.0.1", "-p", str(_free_udp_port()),
        "-r", "1", "-rp", str(period_ms), "-m", str(len(g.seqs)), "-l", "500",
        "-d", str(g.hold_ms), "-timeout", str(int(duration + 20)), "-timeout_error",
        "-trace_stat", "-stf", str(stats), "-fd", "1", "-nostdin",
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL, cwd=work,
    )  # fmt: skip
    # A call Asterisk never finishes (killed mid-call) must not hold the drill up:
    # sipp gives up on everything 20 s after the last call was due.
    await asyncio.wait_for(proc.wait(), duration + 60)
    sent = [
        Sent(seq, "phone", started + k * period_ms / 1000, True, 200)
        for k, seq in enumerate(g.seqs)
    ]
    return sent, _failed(stats, len(g.seqs))


def _failed(stats: Path, placed: int) -> int:
    """FailedCall(C) of sipp's last statistics line; all of them when it has none."""
    try:
        rows = list(csv.reader(stats.read_text().splitlines(), delimiter=";"))
        col = rows[0].index("FailedCall(C)")
        return int(rows[-1][col])
    except (OSError, ValueError, IndexError):
        return placed


__all__ = ["CALL_SHARE", "HOTLINES", "CallGroup", "place", "plan", "unavailable"]
