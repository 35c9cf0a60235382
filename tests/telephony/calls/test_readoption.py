"""A call in an attended transfer or a three-way call survives a SIGKILLed telephony
process: the new process adopts it in the same state, nobody is dropped, and the call
taker's next command works (issue 18, part 2)."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import httpx
import pytest

from liandong.settings import Settings
from tests.telephony.calls.test_call_control import bridge_members, caller, post, taken
from tests.telephony.calls.test_resilience import _app_process
from tests.telephony.phones import eventually, seat_phone, unit_system

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

CASES = {
    # op, its body, the state it leaves the call in, bridge members while in it
    "attended": ("transfer", {"target": "fire", "mode": "attended"}, "transferring", 2),
    "three-way": ("conference", {"target": "fire"}, "conference", 3),
}


@pytest.mark.parametrize("kind", sorted(CASES))
async def test_a_call_mid_transfer_or_three_way_is_adopted_after_a_sigkill(
    kind: str,
    tel_settings: Settings,
    client: httpx.AsyncClient,
    calltaker: dict[str, str],
    tmp_path: Path,
) -> None:
    op, body, state, members = CASES[kind]
    t = tel_settings.telephony
    log = tmp_path / "app.log"
    proc = await _app_process(tel_settings, log)
    try:
        async with seat_phone(t, "seat02", tmp_path), unit_system(t, "fire", tmp_path):
            citizen = caller(t, "119", "13800007070", 40_000, tmp_path)
            call = await taken(t, client, calltaker, "seat02")
            cid = call["channel_id"]
            out = await post(client, calltaker, f"{cid}/{op}", **body)
            assert out["state"] == state

            async def bridged() -> bool:
                return len(await bridge_members(t, f"call-{cid}")) == members

            await eventually(bridged, 15, f"{members} parties bridged")
            proc.send_signal(signal.SIGKILL)  # no clean-up of any kind
            await proc.wait()
            proc = await _app_process(tel_settings, log)

            async def adopted() -> bool:
                r = await client.get(f"/api/v1/calls/{cid}", headers=calltaker)
                return r.status_code == 200 and r.json()["event"] == "adopted"

            await eventually(adopted, 30, "call adopted by the new process")
            r = await client.get(f"/api/v1/calls/{cid}", headers=calltaker)
            assert r.json()["state"] == state  # adopted as it was, nobody dropped
            assert len(await bridge_members(t, f"call-{cid}")) == members
            done = await post(client, calltaker, f"{cid}/transfer/complete")
            assert done["state"] == "transferred"
            rc, sipp_out = await citizen
            assert rc == 0, sipp_out  # the caller's line held throughout
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), 15)
            except TimeoutError:
                proc.kill()
