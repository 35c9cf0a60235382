"""Asterisk SIGKILLed under the supervisor of `liandong run`: it comes back by itself,
the Stasis app registers again, and every call it carried - talking or waiting -
becomes a call-back item with its case intact; nothing stays "talking".

Its own Asterisk instance (not the session's: this one is killed), supervised by
``liandong.processes.asterisk.AsteriskSupervisor`` exactly as `liandong run` does.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.triage.missed import CALLBACK_MARK
from liandong.processes.asterisk import AsteriskSupervisor, read_state
from liandong.processes.intake import run_worker
from liandong.processes.telephony import run_telephony
from liandong.settings import Settings
from telephony.asterisk import rootfs, runner
from telephony.calls.app import StasisApp
from telephony.settings import TelephonySettings
from tests.support.asterisk import require_asterisk_tools, telephony_for_tests, unit_trunks
from tests.telephony.calls.test_call_control import live_call, taken
from tests.telephony.helpers import SCENARIOS, free_udp_port
from tests.telephony.phones import Sipp, eventually, run_sipp, seat_phone

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


@dataclass
class Supervised:
    t: TelephonySettings
    var_dir: Path


@pytest.fixture
def supervised(tmp_path_factory: pytest.TempPathFactory, fastagi_port: int) -> Iterator[Supervised]:
    require_asterisk_tools()
    t = telephony_for_tests("site", outbound_trunks=unit_trunks())
    rootfs.setup(t, echo=print, agi_address=f"127.0.0.1:{fastagi_port}")
    var_dir = tmp_path_factory.mktemp("supervised")
    stop = threading.Event()
    supervisor = AsteriskSupervisor(t, var_dir, echo=print, initial_s=0.5)
    thread = threading.Thread(target=supervisor.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield Supervised(t, var_dir)
    finally:
        stop.set()
        thread.join(70)
        runner.stop(t, var_dir)
        rootfs.remove_instance(t)


async def _running(s: Supervised, limit_s: float, restarts: int) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        state = read_state(s.t, s.var_dir)
        ok = state and state["state"] == "running" and state["restarts"] == restarts
        return state if ok and runner.ari_info(s.t, 1.0) else None

    return await eventually(probe, limit_s, f"Asterisk running after {restarts} restarts")


@pytest.fixture
async def platform(settings: Settings, supervised: Supervised) -> AsyncIterator[StasisApp]:
    """The Stasis app and an intake worker against the supervised Asterisk."""
    await _running(supervised, 90, restarts=0)
    s = settings.model_copy(update={"telephony": supervised.t})
    stop, ready = asyncio.Event(), asyncio.Event()
    exposed: list[StasisApp] = []
    tasks = [
        asyncio.create_task(
            run_telephony(s, stop, install_signals=False, ready=ready, expose=exposed.append)
        ),
        asyncio.create_task(run_worker(s, "restart-test-worker", stop, install_signals=False)),
    ]
    await asyncio.wait_for(ready.wait(), 15)
    yield exposed[0]
    stop.set()
    await asyncio.wait_for(asyncio.gather(*tasks), 20)


async def _caller(t: TelephonySettings, did: str, number: str, tmp: Path) -> Sipp:
    return await run_sipp(
        t,
        ["-sf", str(SCENARIOS / "uac_caller.xml"), "-key", "caller", number,
         "-s", did, "-m", "1", "-d", "60000"],
        free_udp_port(),
        tmp,
    )  # fmt: skip


async def _events(client: httpx.AsyncClient, h: dict[str, str], number: str) -> list[Any]:
    r = await client.get(f"/api/v1/cases/{number}/events", headers=h)
    assert r.status_code == 200, r.text
    return list(r.json())


async def test_a_killed_asterisk_is_restarted_and_its_calls_become_call_back_items(
    supervised: Supervised,
    platform: StasisApp,
    client: httpx.AsyncClient,
    calltaker: dict[str, str],
    tmp_path: Path,
) -> None:
    t = supervised.t
    callers: list[Sipp] = []
    try:
        async with seat_phone(t, "seat01", tmp_path):
            callers.append(await _caller(t, "110", "13800007777", tmp_path))
            talking = await taken(t, client, calltaker)
            callers.append(await _caller(t, "119", "13800008888", tmp_path))
            waiting = await live_call(client, calltaker, "queued")
            before = platform.ari.connections
            old = runner.running_pid(t, supervised.var_dir)
            assert old is not None
            os.kill(old, signal.SIGKILL)  # no clean shutdown of any kind

            state = await _running(supervised, 60, restarts=1)
            assert state["pid"] != old and state["history"][-1]["pid"] == old

            async def reregistered() -> bool:
                return platform.ari.connections > before and platform.ready.is_set()

            await eventually(reregistered, 30, "Stasis app registered again")

            async def nothing_live() -> bool:
                r = await client.get("/api/v1/calls", headers=calltaker)
                return r.status_code == 200 and r.json() == []

            await eventually(nothing_live, 15, "no call left live")
        for call in (talking, waiting):
            number = call["case_number"]
            notes = [e["data"] for e in await _events(client, calltaker, number)]
            assert any(
                d.get("missed_call") and d.get("reason") == "asterisk_restart" for d in notes
            ), notes
            r = await client.get(f"/api/v1/cases/{number}", headers=calltaker)
            assert r.status_code == 200 and r.json()["summary"].startswith(CALLBACK_MARK)
        # The hotlines work again: a new caller reaches the queue.
        callers.append(await _caller(t, "120", "13800009999", tmp_path))
        fresh = await live_call(client, calltaker, "queued", limit_s=30)
        assert fresh["case_number"] not in (talking["case_number"], waiting["case_number"])
    finally:
        for c in callers:
            await c.stop()
