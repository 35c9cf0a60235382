"""Call-backs placed through ARI originate, the call event stream, and recordings
handed to transcription - against the session's real Asterisk."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from liandong.settings import Settings
from telephony.calls.app import StasisApp
from telephony.calls.recording import asr_jobs_key
from telephony.calls.store import events_key
from tests.telephony.calls.test_call_control import bridge_members, caller, live_call, wait_note
from tests.telephony.phones import eventually, seat_phone, unit_system

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


def _text(entries: Any) -> list[dict[str, str]]:
    return [{k.decode(): v.decode() for k, v in fields.items()} for _, fields in entries or []]


async def test_every_transition_is_published_and_the_waiting_caller_is_recorded_for_asr(
    tel_settings: Settings,
    stasis_app: StasisApp,
    client: httpx.AsyncClient,
    calltaker: dict[str, str],
    redis_url: str,
    tmp_path: Path,
) -> None:
    t = tel_settings.telephony
    prefix = tel_settings.redis.prefix
    redis = Redis.from_url(redis_url)
    try:
        citizen = caller(t, "120", "13800008888", 13_000, tmp_path)
        call = await live_call(client, calltaker, "queued")
        rc, out = await citizen  # hangs up while queued: a missed call
        assert rc == 0, out

        async def ended() -> list[dict[str, str]] | None:
            events = _text(await redis.xrange(events_key(prefix)))
            return events if events and events[-1]["state"] == "ended" else None

        events = await eventually(ended, 10, "the ended event")
        assert [e["state"] for e in events] == [
            "arrived", "registered", "answered", "greeting", "queued", "ended",
        ]  # fmt: skip
        queued = events[4]
        assert queued["event"] == "greeting_finished"
        assert (queued["channel_id"], queued["hotline"], queued["caller"]) == (
            call["channel_id"], "120", "13800008888",
        )  # fmt: skip
        assert queued["contact_id"] == str(call["contact_id"])
        assert queued["case_number"] == call["case_number"]
        assert float(queued["at"]) > 0 and queued["seat"] == ""

        async def job() -> list[dict[str, str]] | None:
            return _text(await redis.xrange(asr_jobs_key(prefix))) or None

        [asr] = await eventually(job, 10, "a transcription job")
        assert asr["kind"] == "call_recording" and asr["language"] == "zh"
        assert asr["contact_id"] == str(call["contact_id"])
        assert asr["job_id"] == f"call_queued_{call['channel_id']}"
        path = Path(asr["path"])
        size = await asyncio.to_thread(lambda: path.stat().st_size)
        assert path.is_absolute() and path.suffix == ".wav"
        assert size > 44  # more than a WAV header: the caller was heard
        await wait_note(client, calltaker, call["case_number"], path.name)
    finally:
        await redis.aclose()


async def test_a_call_back_rings_the_seat_then_dials_the_citizen(
    tel_settings: Settings,
    stasis_app: StasisApp,
    client: httpx.AsyncClient,
    calltaker: dict[str, str],
    tmp_path: Path,
) -> None:
    t = tel_settings.telephony
    r = await client.post(
        "/api/v1/contacts",
        json={"channel": "phone", "hotline": "12345", "sender": "13800009999",
              "text": "路灯坏了，请回电"},
        headers=calltaker,
    )  # fmt: skip
    assert r.status_code == 201, r.text
    contact_id = r.json()["contact_id"]
    async with (
        seat_phone(t, "seat04", tmp_path) as phone,
        unit_system(t, "carrier-out", tmp_path) as citizen,
    ):
        r = await client.post(
            "/api/v1/calls/callback", json={"contact_id": contact_id, "seat": "seat04"},
            headers=calltaker,
        )  # fmt: skip
        assert r.status_code == 200, r.text
        call = r.json()
        assert (call["state"], call["direction"], call["seat"]) == ("ringing_seat", "out", "seat04")
        assert call["caller"] == "13800009999"
        cid = call["channel_id"]
        await live_call(client, calltaker, "talking")
        assert {cid} < await bridge_members(t, f"call-{cid}")
        assert len(await bridge_members(t, f"call-{cid}")) == 2
        r = await client.post(f"/api/v1/calls/{cid}/hangup", headers=calltaker)
        assert r.status_code == 200 and r.json()["state"] == "ended"
        for leg in (phone, citizen):
            rc, out = await leg.result(15)  # both got a BYE
            assert rc == 0, out
    await wait_note(client, calltaker, r.json()["case_number"], "回拨接通")


async def test_a_missing_contact_and_an_unknown_seat_are_refused(
    tel_settings: Settings,
    stasis_app: StasisApp,
    client: httpx.AsyncClient,
    calltaker: dict[str, str],
) -> None:
    r = await client.post("/api/v1/calls/callback", json={"contact_id": 999999, "seat": "seat01"},
                          headers=calltaker)  # fmt: skip
    assert (r.status_code, r.json()["error_id"]) == (404, "no-such-contact")
    r = await client.post("/api/v1/calls/callback", json={"contact_id": 1, "seat": "seat99"},
                          headers=calltaker)  # fmt: skip
    assert (r.status_code, r.json()["error_id"]) == (422, "unknown-seat")
    await asyncio.sleep(0)
