"""Calls reach a call taker by themselves: the real Asterisk, sipp callers and sipp desk
phones (registered seats), the telephony process distributing, the API reading."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import select

from core.storage.engine import Database
from liandong.settings import Settings
from telephony.calls.app import StasisApp
from telephony.seats.tables import CallOutcomeRow, SeatEventRow
from tests.conftest import login
from tests.telephony.calls.test_call_control import bridge_members, caller, live_call
from tests.telephony.phones import eventually, seat_phone
from tests.telephony.seats.test_presence import put_state, ready, seat_events, seats

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

Headers = dict[str, str]


async def call_history(settings: Settings, channel_id: str) -> list[tuple[str, str, str]]:
    """(state, event, seat) of every persisted change of one call, in order."""
    redis = Redis.from_url(settings.redis.url)
    try:
        entries = await redis.xrange(f"{settings.redis.prefix}:tel:events")
    finally:
        await redis.aclose()
    return [
        (f[b"state"].decode(), f[b"event"].decode(), f[b"seat"].decode())
        for _, f in entries
        if f.get(b"channel_id", b"").decode() == channel_id
    ]


async def seat_state(
    client: httpx.AsyncClient, h: Headers, seat: str, state: str
) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        now = (await seats(client, h))[seat]
        return now if now["state"] == state else None

    return await eventually(probe, 25, f"{seat} {state}")


async def seat_event_times(settings: Settings) -> dict[str, float]:
    db = Database(settings.database)
    try:
        async with db.session() as s:
            rows = (await s.scalars(select(SeatEventRow).order_by(SeatEventRow.id))).all()
            return {r.action: r.at.timestamp() for r in rows}
    finally:
        await db.close()


async def outcomes(settings: Settings) -> list[CallOutcomeRow]:
    db = Database(settings.database)
    try:
        async with db.session() as s:
            return list((await s.scalars(select(CallOutcomeRow))).all())
    finally:
        await db.close()


async def test_a_ready_seat_rings_before_the_greeting_ends_and_wraps_up_after_the_call(
    tel_settings: Settings,
    stasis_app: StasisApp,
    client: httpx.AsyncClient,
    calltaker: Headers,
    tmp_path: Path,
) -> None:
    t = tel_settings.telephony
    async with seat_phone(t, "seat01", tmp_path) as phone:
        await ready(client, calltaker, "seat01")
        citizen = caller(t, "110", "13800003333", 6_000, tmp_path)
        talking = await live_call(client, calltaker, "talking", 15)
        cid = talking["channel_id"]
        assert talking["seat"] == "seat01"
        assert cid in await bridge_members(t, f"call-{cid}")
        # Nobody clicked "take": the seat rang during the greeting, the caller never
        # waited in the queue's holding bridge.
        history = await call_history(tel_settings, cid)
        states = [h[0] for h in history]
        assert "queued" not in states[: states.index("talking")]
        assert ("ringing_seat", "take", "seat01") in history
        assert "greeting" in states[: states.index("ringing_seat")]
        assert (await seats(client, calltaker))["seat01"]["state"] == "on_call"

        rc, out = await citizen
        assert rc == 0, out
        rc, out = await phone.result()
        assert rc == 0, out
    await seat_state(client, calltaker, "seat01", "ready")
    # 话后处理 after the hang-up, for wrap_up_s (2 s in these tests), then ready again.
    events = await seat_events(tel_settings)
    assert [e[2] for e in events] == [
        "sign_in", "set_ready", "offer", "released", "wrap_up_ended"
    ]  # fmt: skip
    wrapped = await seat_event_times(tel_settings)
    assert wrapped["wrap_up_ended"] - wrapped["released"] >= 2.0
    [row] = await outcomes(tel_settings)
    assert (row.channel_id, row.seat, row.username, row.hotline) == (
        cid,
        "seat01",
        "calltaker",
        "110",
    )
    assert row.answered_at is not None and row.released_at is not None
    assert (row.answered_at - row.arrived_at).total_seconds() < 8


async def test_a_seat_that_does_not_answer_goes_not_ready_and_the_next_seat_rings(
    tel_settings: Settings,
    stasis_app: StasisApp,
    client: httpx.AsyncClient,
    calltaker: Headers,
    dispatcher: Headers,
    tmp_path: Path,
) -> None:
    t = tel_settings.telephony
    async with (
        seat_phone(t, "seat02", tmp_path, answer=False),
        seat_phone(t, "seat03", tmp_path) as answering,
    ):
        # seat02 is ready first: idle longest, it is offered the call first.
        await ready(client, calltaker, "seat02")
        await asyncio.sleep(0.05)  # a distinct idle time (the clock is real)
        await ready(client, dispatcher, "seat03")
        citizen = caller(t, "119", "13800004444", t.seat_ring_s * 1000 + 14_000, tmp_path)
        first = await live_call(client, calltaker, "ringing_seat", 15)
        assert first["seat"] == "seat02"
        rona = await seat_state(client, calltaker, "seat02", "not_ready")
        assert rona["reason"] == "未接"
        talking = await live_call(client, calltaker, "talking", 15)
        assert talking["seat"] == "seat03"
        history = await call_history(tel_settings, talking["channel_id"])
        offers = [h[2] for h in history if h[1] == "take"]
        assert offers == ["seat02", "seat03"]  # one seat at a time, never two at once
        rc, out = await citizen
        assert rc == 0, out
        rc, out = await answering.result()
        assert rc == 0, out
    await seat_state(client, calltaker, "seat03", "ready")
    assert (await seats(client, calltaker))["seat02"]["state"] == "not_ready"


async def test_a_call_without_a_skilled_seat_overflows_to_another_seat_after_the_wait(
    tel_settings: Settings,
    stasis_app: StasisApp,
    client: httpx.AsyncClient,
    calltaker: Headers,
    tmp_path: Path,
) -> None:
    t = tel_settings.telephony
    admin = await login(client, "admin", "demo-admin-110")
    r = await client.put(
        "/api/v1/call-takers/calltaker/skills",
        json={"hotlines": ["110", "119"], "level": 2},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    r = await client.get("/api/v1/call-takers/calltaker/skills", headers=calltaker)
    assert (r.json()["hotlines"], r.json()["level"]) == (["110", "119"], 2)
    r = await client.put("/api/v1/call-takers/nobody/skills", json={"hotlines": ["110"]},
                         headers=admin)  # fmt: skip
    assert (r.status_code, r.json()["error_id"]) == (404, "user-not-found")
    async with seat_phone(t, "seat01", tmp_path) as phone:
        ready = await put_state(client, calltaker, "seat01", "ready")
        assert ready.json()["hotlines"] == ["110", "119"]
        citizen = caller(t, "12315", "13800008888", 12_000, tmp_path)
        talking = await live_call(client, calltaker, "talking", 25)
        assert talking["seat"] == "seat01"
        redis = Redis.from_url(tel_settings.redis.url)
        try:
            entries = await redis.xrange(f"{tel_settings.redis.prefix}:tel:events")
        finally:
            await redis.aclose()
        times = {
            f[b"event"].decode(): float(f[b"at"])
            for _, f in entries
            if f.get(b"channel_id", b"").decode() == talking["channel_id"]
        }
        # Nobody with the 12315 skill: offered only once it had waited acd_overflow_s (4 s).
        assert times["take"] - times["arrived"] >= t.acd_overflow_s
        rc, out = await citizen
        assert rc == 0, out
        rc, out = await phone.result()
        assert rc == 0, out
