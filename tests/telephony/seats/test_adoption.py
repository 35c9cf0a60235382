"""Distribution survives a killed telephony process: a call offered to a seat that
never answers, the process SIGKILLed while the seat rings, a new one adopts the call,
the seat still goes 示忙 "未接" and the next seat gets the call - offered once each,
the caller never dropped."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
import pytest

from liandong.settings import Settings
from tests.telephony.calls.test_call_control import caller, live_call
from tests.telephony.calls.test_resilience import _app_process
from tests.telephony.phones import seat_phone
from tests.telephony.seats.test_distribution import call_history, seat_state
from tests.telephony.seats.test_presence import ready

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def test_an_offer_in_flight_survives_a_killed_telephony_process(
    tel_settings: Settings,
    client: httpx.AsyncClient,
    calltaker: dict[str, str],
    dispatcher: dict[str, str],
    tmp_path: Path,
) -> None:
    t = tel_settings.telephony
    log = tmp_path / "app.log"
    proc = await _app_process(tel_settings, log)
    try:
        async with (
            seat_phone(t, "seat02", tmp_path, answer=False),
            seat_phone(t, "seat03", tmp_path) as answering,
        ):
            await ready(client, calltaker, "seat02")
            citizen = caller(t, "110", "13800009999", 30_000, tmp_path)
            ringing = await live_call(client, calltaker, "ringing_seat", 20)
            assert ringing["seat"] == "seat02"
            proc.send_signal(signal.SIGKILL)  # no clean-up of any kind
            await proc.wait()
            proc = await _app_process(tel_settings, log)
            await ready(client, dispatcher, "seat03")

            rona = await seat_state(client, calltaker, "seat02", "not_ready")
            assert rona["reason"] == "未接"
            talking = await live_call(client, calltaker, "talking", 25)
            assert (talking["channel_id"], talking["seat"]) == (ringing["channel_id"], "seat03")
            history = await call_history(tel_settings, talking["channel_id"])
            assert [h[2] for h in history if h[1] == "take"] == ["seat02", "seat03"]
            assert "adopted" in [h[1] for h in history]
            rc, out = await citizen
            assert rc == 0, out  # never dropped
            rc, out = await answering.result()
            assert rc == 0, out
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            await proc.wait()
        print(log.read_text(errors="replace")[-2000:])
