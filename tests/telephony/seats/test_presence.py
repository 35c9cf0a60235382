"""就绪 / 示忙 / 签出 through ``PUT /api/v1/seats/{seat}/state``, with the real Asterisk
(the seat's phone is a sipp desk phone registered with its digest password) and the
telephony process owning the seats. Bad input changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import select

from core.storage.engine import Database
from liandong.settings import Settings
from telephony.asterisk.config import seat_password
from telephony.calls.app import StasisApp
from telephony.seats.tables import SeatEventRow
from telephony.settings import TelephonySettings
from tests.telephony.helpers import SCENARIOS, free_udp_port
from tests.telephony.phones import ari_get, eventually, run_sipp, seat_phone

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

Headers = dict[str, str]


async def put_state(
    client: httpx.AsyncClient, h: Headers, seat: str, state: str, reason: str = ""
) -> httpx.Response:
    return await client.put(
        f"/api/v1/seats/{seat}/state", json={"state": state, "reason": reason}, headers=h
    )


async def ready(client: httpx.AsyncClient, h: Headers, seat: str) -> None:
    """就绪 at ``seat`` (signing in), which must succeed."""
    r = await put_state(client, h, seat, "ready")
    assert r.status_code == 200, r.text


async def seats(client: httpx.AsyncClient, h: Headers) -> dict[str, dict[str, Any]]:
    r = await client.get("/api/v1/seats", headers=h)
    assert r.status_code == 200, r.text
    return {s["seat"]: s for s in r.json()}


async def unregister(t: TelephonySettings, seat: str, cwd: Path) -> None:
    """The seat's phone signs off (all bindings removed): its endpoint goes offline."""
    password = seat_password(t.seat_secret.get_secret_value(), seat)
    proc = await run_sipp(
        t, ["-sf", str(SCENARIOS / "seat_unregister.xml"), "-s", seat, "-au", seat,
            "-ap", password, "-m", "1"], free_udp_port(), cwd,
    )  # fmt: skip
    rc, out = await proc.result(20)
    assert rc == 0, out

    async def offline() -> bool:
        return bool((await ari_get(t, f"/endpoints/PJSIP/{seat}")).get("state") != "online")

    await eventually(offline, 10, f"{seat} offline")


async def seat_events(settings: Settings) -> list[tuple[str, str, str, str]]:
    db = Database(settings.database)
    try:
        async with db.session() as s:
            rows = (await s.scalars(select(SeatEventRow).order_by(SeatEventRow.id))).all()
            return [(r.seat, r.username, r.action, r.state) for r in rows]
    finally:
        await db.close()


async def test_a_call_taker_signs_in_ready_at_a_registered_seat_and_goes_not_ready(
    tel_settings: Settings,
    stasis_app: StasisApp,
    client: httpx.AsyncClient,
    calltaker: Headers,
    tmp_path: Path,
) -> None:
    t = tel_settings.telephony
    async with seat_phone(t, "seat01", tmp_path):
        r = await put_state(client, calltaker, "seat01", "ready")
        assert r.status_code == 200, r.text
        body = r.json()
        assert (body["state"], body["label"], body["user"]) == ("ready", "就绪", "calltaker")
        assert set(body["hotlines"]) == {"110", "119", "120", "122", "12315", "12345"}

        r = await put_state(client, calltaker, "seat01", "not_ready", "用餐")
        assert (r.status_code, r.json()["state"], r.json()["reason"]) == (200, "not_ready", "用餐")
        r = await put_state(client, calltaker, "seat01", "signed_out")
        assert (r.status_code, r.json()["state"], r.json()["user"]) == (200, "signed_out", None)

    assert await seat_events(tel_settings) == [
        ("seat01", "calltaker", "sign_in", "not_ready"),
        ("seat01", "calltaker", "set_ready", "ready"),
        ("seat01", "calltaker", "set_not_ready", "not_ready"),
        ("seat01", "", "sign_out", "signed_out"),
    ]
    redis = Redis.from_url(tel_settings.redis.url)
    try:
        entries = await redis.xrange(f"{tel_settings.redis.prefix}:tel:events")
    finally:
        await redis.aclose()
    seat_entries = [
        (f[b"seat"].decode(), f[b"event"].decode(), f[b"state"].decode())
        for _, f in entries
        if f.get(b"kind") == b"seat"
    ]
    assert seat_entries[:2] == [
        ("seat01", "sign_in", "not_ready"),
        ("seat01", "set_ready", "ready"),
    ]
    assert seat_entries[-1] == ("seat01", "sign_out", "signed_out")


async def test_bad_seat_requests_are_refused_with_typed_errors_and_change_nothing(
    tel_settings: Settings,
    stasis_app: StasisApp,
    client: httpx.AsyncClient,
    calltaker: Headers,
    dispatcher: Headers,
    tmp_path: Path,
) -> None:
    t = tel_settings.telephony

    await unregister(t, "seat02", tmp_path)  # an earlier test's phone may be bound there
    r = await put_state(client, calltaker, "seat02", "ready")  # no phone registered there
    assert (r.status_code, r.json()["error_id"]) == (409, "seat-not-registered")
    r = await put_state(client, calltaker, "seat77", "ready")
    assert (r.status_code, r.json()["error_id"]) == (422, "unknown-seat")
    r = await client.put("/api/v1/seats/seat01/state", json={"state": "dancing"}, headers=calltaker)
    assert r.status_code == 422
    assert all(s["state"] == "signed_out" for s in (await seats(client, calltaker)).values())

    async with seat_phone(t, "seat01", tmp_path):
        await ready(client, calltaker, "seat01")
        # Another call taker cannot take over, nor change, a seat someone holds.
        for state in ("ready", "not_ready", "signed_out"):
            r = await put_state(client, dispatcher, "seat01", state)
            assert (r.status_code, r.json()["error_id"]) == (409, "seat-held")
        # One call taker, one seat.
        r = await put_state(client, calltaker, "seat03", "not_ready", "培训")
        assert (r.status_code, r.json()["error_id"]) == (409, "signed-in-elsewhere")
        now = await seats(client, calltaker)
        assert (now["seat01"]["state"], now["seat01"]["user"]) == ("ready", "calltaker")
        assert now["seat03"]["state"] == "signed_out"
    assert [e[2] for e in await seat_events(tel_settings)] == ["sign_in", "set_ready"]
