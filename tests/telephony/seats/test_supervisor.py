"""The supervisor seat (班长席) on a real call: listen, whisper, barge and force-release
checked on Asterisk's bridges over ARI, pick-up of a call ringing another seat; each in
the audit log, and only for ``calls:supervise``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from core.auth.tables import AuditRow
from core.storage.engine import Database
from liandong.settings import Settings
from telephony.calls.app import StasisApp
from tests.telephony.calls.test_call_control import bridge_members, caller, live_call, wait_note
from tests.telephony.phones import ari_get, eventually, seat_phone
from tests.telephony.seats.test_distribution import seat_state
from tests.telephony.seats.test_presence import ready, seat_events

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

Headers = dict[str, str]


async def audit_actions(settings: Settings) -> list[str]:
    db = Database(settings.database)
    try:
        async with db.session() as s:
            rows = (await s.scalars(select(AuditRow).order_by(AuditRow.id))).all()
            return [r.action for r in rows if r.action.startswith("call.")]
    finally:
        await db.close()


async def sup(
    client: httpx.AsyncClient, h: Headers, cid: str, action: str, **body: Any
) -> httpx.Response:
    return await client.post(f"/api/v1/calls/{cid}/{action}", json=body or None, headers=h)


async def test_a_supervisor_listens_whispers_barges_and_force_releases_a_call(
    tel_settings: Settings,
    stasis_app: StasisApp,
    client: httpx.AsyncClient,
    calltaker: Headers,
    dispatcher: Headers,
    tmp_path: Path,
) -> None:
    t = tel_settings.telephony
    async with seat_phone(t, "seat01", tmp_path), seat_phone(t, "seat04", tmp_path) as boss:
        await ready(client, calltaker, "seat01")
        citizen = caller(t, "110", "13800006666", 40_000, tmp_path)
        call = await live_call(client, calltaker, "talking", 15)
        cid = call["channel_id"]
        r = await sup(client, calltaker, cid, "supervise", seat="seat04")
        assert (r.status_code, r.json()["error_id"]) == (403, "permission-denied")

        r = await sup(client, dispatcher, cid, "supervise", seat="seat04", mode="listen")
        assert r.status_code == 200, r.text

        async def listening() -> set[str] | None:
            members = await bridge_members(t, f"sup-{cid}")
            return members if len(members) == 2 else None

        spy_and_phone = await eventually(listening, 15, "supervisor and snoop bridged")
        talk = await bridge_members(t, f"call-{cid}")
        assert len(talk) == 2 and not (talk & spy_and_phone)  # the call does not hear them
        snoops = {c["id"]: c for c in await ari_get(t, "/channels")}
        [spy] = [m for m in spy_and_phone if snoops[m]["name"].startswith("Snoop/")]
        seat_leg = next(m for m in talk if m != cid)
        assert snoops[spy]["name"].startswith(f"Snoop/{seat_leg}-")  # it hears the seat's leg

        r = await sup(client, dispatcher, cid, "supervise", seat="seat04", mode="whisper")
        assert r.status_code == 200, r.text

        async def new_spy() -> bool:
            members = await bridge_members(t, f"sup-{cid}")
            return len(members) == 2 and spy not in members

        await eventually(new_spy, 10, "a whispering snoop replacing the listening one")

        r = await sup(client, dispatcher, cid, "supervise", seat="seat04", mode="barge")
        assert r.status_code == 200, r.text

        async def barged() -> bool:
            return len(await bridge_members(t, f"call-{cid}")) == 3

        await eventually(barged, 10, "three parties in the call's bridge")
        assert not await bridge_members(t, f"sup-{cid}")

        r = await sup(client, dispatcher, cid, "force-release")
        assert (r.status_code, r.json()["state"]) == (200, "ended")
        await citizen  # the caller got Asterisk's BYE (sipp calls that a failure)
        rc, out = await boss.result()
        assert rc == 0, out
    await seat_state(client, calltaker, "seat01", "ready")  # after its wrap-up
    assert "released" in [e[2] for e in await seat_events(tel_settings)]
    assert await audit_actions(tel_settings) == [
        "call.listen", "call.whisper", "call.barge", "call.force_release"
    ]  # fmt: skip
    await wait_note(client, calltaker, call["case_number"], "班长席：dispatcher 在 seat04 监听")


async def test_a_supervisor_picks_up_a_call_ringing_another_seat(
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
        seat_phone(t, "seat04", tmp_path) as boss,
    ):
        await ready(client, calltaker, "seat02")
        citizen = caller(t, "120", "13800007777", 8_000, tmp_path)
        ringing = await live_call(client, calltaker, "ringing_seat", 15)
        assert ringing["seat"] == "seat02"
        r = await sup(client, dispatcher, ringing["channel_id"], "pickup", seat="seat04")
        assert r.status_code == 200, r.text
        assert (r.json()["state"], r.json()["seat"]) == ("ringing_seat", "seat04")
        talking = await live_call(client, calltaker, "talking", 15)
        assert talking["seat"] == "seat04"
        # Not the call taker's fault: seat02 is free again, not 未接.
        await seat_state(client, calltaker, "seat02", "ready")
        rc, out = await citizen
        assert rc == 0, out
        rc, out = await boss.result()
        assert rc == 0, out
    assert await audit_actions(tel_settings) == ["call.pickup"]
