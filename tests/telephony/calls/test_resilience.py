"""Calls survive a lost ARI websocket and a killed telephony process.

A channel in Stasis stays in Asterisk when the app's websocket goes away; the app
must find it again (GET /channels + the call state in Redis) and carry on. The
caller's sipp holds the line throughout and must end its call normally: a dropped
call shows up as an unexpected BYE and a non-zero exit code.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from liandong.settings import Settings
from telephony.calls.app import StasisApp
from telephony.calls.state import CallState
from tests.support.paths import ROOT
from tests.telephony.calls.test_call_control import bridge_members, caller, live_call, post
from tests.telephony.phones import eventually, seat_phone

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def test_a_call_survives_a_cut_websocket_and_can_still_be_taken(
    tel_settings: Settings,
    stasis_app: StasisApp,
    client: httpx.AsyncClient,
    calltaker: dict[str, str],
    tmp_path: Path,
) -> None:
    t = tel_settings.telephony
    async with seat_phone(t, "seat01", tmp_path):
        citizen = caller(t, "110", "13800005555", 26_000, tmp_path)
        call = await live_call(client, calltaker, "queued")
        cid = call["channel_id"]
        before = stasis_app.ari.connections
        await stasis_app.ari.drop_connection()

        async def back() -> bool:
            return stasis_app.ari.connections > before and stasis_app.ready.is_set()

        await eventually(back, 15, "ARI reconnected")
        adopted = await live_call(client, calltaker, "queued")
        assert adopted["channel_id"] == cid
        await post(client, calltaker, f"{cid}/take", seat="seat01")
        await live_call(client, calltaker, "talking")
        assert cid in await bridge_members(t, f"call-{cid}")
        rc, out = await citizen
        assert rc == 0, out


def _env(settings: Settings) -> dict[str, str]:
    """The test's settings for a `liandong asterisk app` subprocess."""
    t = settings.telephony
    tel: dict[str, Any] = json.loads(t.model_dump_json())
    tel["ari_password"] = t.ari_password.get_secret_value()
    tel["seat_secret"] = t.seat_secret.get_secret_value()
    return {
        **os.environ,
        "LIANDONG_MODE": "development",
        "LIANDONG_LOG_JSON": "false",
        "LIANDONG_DATABASE__URL": settings.database.url,
        "LIANDONG_REDIS__URL": settings.redis.url,
        "LIANDONG_REDIS__PREFIX": settings.redis.prefix,
        "LIANDONG_TELEPHONY": json.dumps(tel),
    }


def _ready_marks(log: Path) -> int:
    return log.read_text(errors="replace").count("Stasis app ready") if log.exists() else 0


async def _app_process(settings: Settings, log: Path) -> asyncio.subprocess.Process:
    """`liandong asterisk app` as its own process, once its Stasis app is registered."""
    marks = await asyncio.to_thread(_ready_marks, log)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "liandong", "asterisk", "app",
        env=_env(settings), cwd=ROOT, stdin=asyncio.subprocess.DEVNULL,
        stdout=log.open("ab"), stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip

    # Not GET /applications: Asterisk keeps listing an app after its websocket left.
    async def ready() -> bool:
        return await asyncio.to_thread(_ready_marks, log) > marks

    await eventually(ready, 45, f"Stasis app ready (pid {proc.pid})")
    return proc


async def test_a_killed_telephony_process_is_replaced_and_adopts_the_call(
    tel_settings: Settings,
    client: httpx.AsyncClient,
    calltaker: dict[str, str],
    tmp_path: Path,
) -> None:
    t = tel_settings.telephony
    log = tmp_path / "app.log"
    proc = await _app_process(tel_settings, log)
    try:
        async with seat_phone(t, "seat02", tmp_path):
            citizen = caller(t, "119", "13800006666", 30_000, tmp_path)
            call = await live_call(client, calltaker, "queued", limit_s=30)
            cid = call["channel_id"]
            proc.send_signal(signal.SIGKILL)  # no clean-up of any kind
            await proc.wait()
            await asyncio.sleep(1.0)
            r = await client.post(f"/api/v1/calls/{cid}/hold", headers=calltaker)
            assert (r.status_code, r.json()["error_id"]) == (503, "telephony-unavailable")

            proc = await _app_process(tel_settings, log)

            async def adopted() -> bool:
                r = await client.get(f"/api/v1/calls/{cid}", headers=calltaker)
                return r.status_code == 200 and r.json()["event"] == "adopted"

            await eventually(adopted, 30, "call adopted by the new process")
            out = await post(client, calltaker, f"{cid}/take", seat="seat02")
            assert out["state"] == CallState.ringing_seat
            await live_call(client, calltaker, "talking")
            members = await bridge_members(t, f"call-{cid}")
            assert cid in members and len(members) == 2
            rc, sipp_out = await citizen
            assert rc == 0, sipp_out
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), 15)
            except TimeoutError:
                proc.kill()
        print(log.read_text(errors="replace")[-3000:])
