"""The wallboard's figures for a scripted hour, computed by hand here, read through
``GET /api/v1/wallboard`` from the database (SQLite and PostgreSQL) and Redis."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from redis.asyncio import Redis

from core.storage.engine import Database
from liandong.app import create_app
from liandong.settings import Settings
from telephony.asterisk.config import seat_names
from telephony.calls.state import Call, CallState
from telephony.calls.store import RedisCallStore
from telephony.seats.models import Seat, SeatAction, advance
from telephony.seats.store import RedisSeatStore
from telephony.seats.tables import CallOutcomeRow, SeatEventRow
from tests.conftest import login, make_settings

pytestmark = pytest.mark.anyio

A = SeatAction


def at(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


@pytest.fixture
def board_settings(db_url: str, redis_url: str, redis_prefix: str) -> Settings:
    return make_settings(db_url, redis_url, redis_prefix)


@pytest.fixture
async def board(board_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(board_settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            yield c


async def script_the_hour(settings: Settings, now: float) -> None:
    # (arrived s before now, answered after s, seat left after s, ended after s, user)
    calls = [
        (3000, 8, 128, 128, "calltaker"),
        (2500, 14, 74, 200, "calltaker"),  # transferred after 60 s; the unit talked on
        (2000, 18, 198, 198, "dispatcher"),
        (1500, 30, 90, 90, "dispatcher"),
        (1000, None, None, 3, None),  # hung up within 5 s
        (500, None, None, 40, None),
        (7200, 5, 65, 65, "calltaker"),  # two hours ago: outside the window
    ]
    db = Database(settings.database)
    try:
        async with db.session() as s:
            for n, (ago, ans, rel, end, user) in enumerate(calls):
                t0 = now - ago
                s.add(
                    CallOutcomeRow(
                        channel_id=f"c{n}",
                        hotline="110",
                        arrived_at=at(t0),
                        answered_at=None if ans is None else at(t0 + ans),
                        released_at=None if rel is None else at(t0 + rel),
                        ended_at=at(t0 + end),
                        seat="seat01" if user == "calltaker" else "seat02",
                        username=user,
                    )
                )
            # seat01: ready 3100 s ago, two wrap-ups of 10 s and 20 s; seat02 示忙 since
            # 600 s ago, nothing closed before.
            for seat, user, state, action, ago in [
                ("seat01", "calltaker", "ready", "set_ready", 3100),
                ("seat01", "calltaker", "on_call", "offer", 3000),
                ("seat01", "calltaker", "wrap_up", "released", 2872),
                ("seat01", "calltaker", "ready", "wrap_up_ended", 2862),
                ("seat01", "calltaker", "on_call", "offer", 2500),
                ("seat01", "calltaker", "wrap_up", "released", 2426),
                ("seat01", "calltaker", "ready", "wrap_up_ended", 2406),
                ("seat02", "dispatcher", "not_ready", "set_not_ready", 600),
                ("seat02", "dispatcher", "wrap_up", "released", 100),  # still wrapping up
            ]:
                s.add(
                    SeatEventRow(
                        seat=seat, username=user, state=state, action=action, reason="",
                        call="", at=at(now - ago),
                    )
                )  # fmt: skip
    finally:
        await db.close()
    redis = Redis.from_url(settings.redis.url)
    try:
        prefix = settings.redis.prefix
        waiting = Call("w1", "110", "13800000000", CallState.queued, now - 42, now - 40)
        await RedisCallStore(redis, prefix=prefix, ttl_s=600).save(waiting)
        seats = RedisSeatStore(redis, prefix=prefix, seats=seat_names(4))
        one = advance(Seat("seat01"), A.sign_in, now, user="calltaker", hotlines=("110",))
        await seats.change("seat01", lambda _: [(A.set_ready, advance(one, A.set_ready, now))])
        two = advance(Seat("seat02"), A.sign_in, now, user="dispatcher")
        await seats.change("seat02", lambda _: [(A.sign_in, two)])
    finally:
        await redis.aclose()


async def test_the_wallboard_of_a_scripted_hour_matches_the_figures_by_hand(
    board_settings: Settings, board: httpx.AsyncClient
) -> None:
    now = time.time()
    await script_the_hour(board_settings, now)
    leader = await login(board, "leader", "demo-leader-110")
    r = await board.get("/api/v1/wallboard", headers=leader)
    assert r.status_code == 200, r.text
    w = r.json()
    # 6 calls in the hour: waits 8, 14, 18, 30 s answered; 2 abandoned (3 s, 40 s).
    assert (w["offered"], w["answered"], w["abandoned"]) == (6, 4, 2)
    assert w["service_level_15s"] == pytest.approx(2 / 6, abs=1e-4)
    assert w["answered_10s"] == pytest.approx(1 / 6, abs=1e-4)
    assert w["answered_20s"] == pytest.approx(3 / 6, abs=1e-4)
    assert w["abandon_rate"] == pytest.approx(2 / 6, abs=1e-4)
    assert w["abandoned_5s"] == 1
    assert w["asa_s"] == pytest.approx((8 + 14 + 18 + 30) / 4)
    assert w["talk_s"] == pytest.approx((120 + 60 + 180 + 60) / 4)
    assert w["wrap_up_s"] == pytest.approx((10 + 20) / 2)  # the open wrap-up is not over
    assert w["aht_s"] == pytest.approx(105 + 15)
    assert w["calls_waiting"] == 1
    assert 42 <= w["longest_wait_s"] < 45
    assert w["agents"] == {"ready": 1, "not_ready": 1}
    per = {row["user"]: row for row in w["per_agent"]}
    assert (per["calltaker"]["calls"], per["calltaker"]["handle_s"]) == (2, 180)
    assert (per["dispatcher"]["calls"], per["dispatcher"]["handle_s"]) == (2, 240)
    assert per["calltaker"]["wrap_up_s"] == pytest.approx(30)
    assert per["dispatcher"]["not_ready_s"] == pytest.approx(500)


async def test_the_wallboard_is_for_supervisors_and_the_big_screen_not_unit_staff(
    board: httpx.AsyncClient,
) -> None:
    police = await login(board, "police", "demo-unit-110")
    r = await board.get("/api/v1/wallboard", headers=police)
    assert (r.status_code, r.json()["error_id"]) == (403, "permission-denied")
    auditor = await login(board, "auditor", "demo-auditor-110")
    r = await board.get("/api/v1/wallboard?window_s=5", headers=auditor)
    assert r.status_code == 422  # a window under a minute says nothing
    r = await board.get("/api/v1/wallboard", headers=auditor)
    assert (r.status_code, r.json()["offered"], r.json()["asa_s"]) == (200, 0, None)
