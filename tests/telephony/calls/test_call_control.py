"""Call takers work calls through the API: take, hold, resume, transfer, three-way.

The whole path is real: sipp plays the carrier's caller, a second sipp the seat's
desk phone (registered with its digest password), a third the unit's system behind
an outbound trunk; the API sends commands through Redis to the Stasis app, which
moves channels between bridges in the session's Asterisk.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from liandong.settings import Settings
from telephony.calls.app import StasisApp
from telephony.settings import TelephonySettings
from tests.telephony.helpers import asterisk_log, sipp
from tests.telephony.phones import ari_get, eventually, seat_phone, unit_system

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

Headers = dict[str, str]


def caller(t: TelephonySettings, did: str, number: str, hold_ms: int, cwd: Path) -> Any:
    return asyncio.create_task(
        sipp(
            t,
            did,
            scenario="uac_caller.xml",
            keys={"caller": number},
            hold_ms=hold_ms,
            cwd=cwd,
            timeout_s=hold_ms // 1000 + 30,
        )
    )


async def live_call(
    client: httpx.AsyncClient, h: Headers, state: str, limit_s: float = 20
) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        r = await client.get("/api/v1/calls", headers=h)
        assert r.status_code == 200, r.text
        return next((c for c in r.json() if c["state"] == state), None)

    return await eventually(probe, limit_s, f"a call in state {state}")


async def bridge_members(t: TelephonySettings, bridge_id: str) -> set[str]:
    for b in await ari_get(t, "/bridges"):
        if b["id"] == bridge_id:
            return set(b["channels"])
    return set()


async def case_notes(client: httpx.AsyncClient, h: Headers, number: str) -> list[str]:
    r = await client.get(f"/api/v1/cases/{number}/events", headers=h)
    assert r.status_code == 200, r.text
    return [str(e["data"].get("note", "")) for e in r.json()]


async def wait_note(client: httpx.AsyncClient, h: Headers, number: str, text: str) -> None:
    async def probe() -> bool:
        return any(text in n for n in await case_notes(client, h, number))

    await eventually(probe, 10, f"case log line {text!r}")


async def post(client: httpx.AsyncClient, h: Headers, path: str, **body: Any) -> dict[str, Any]:
    r = await client.post(f"/api/v1/calls/{path}", json=body or None, headers=h)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def taken(
    t: TelephonySettings, client: httpx.AsyncClient, h: Headers, seat: str = "seat01"
) -> dict[str, Any]:
    """The queued call, taken by ``seat`` and bridged."""
    call = await live_call(client, h, "queued")
    cid = call["channel_id"]
    out = await post(client, h, f"{cid}/take", seat=seat)
    assert (out["state"], out["seat"]) == ("ringing_seat", seat)
    await live_call(client, h, "talking")
    members = await bridge_members(t, f"call-{cid}")
    assert cid in members and len(members) == 2  # the caller and the seat's phone
    return call


async def test_a_seat_takes_the_call_then_holds_and_resumes_it(
    tel_settings: Settings,
    stasis_app: StasisApp,
    client: httpx.AsyncClient,
    calltaker: Headers,
    tmp_path: Path,
) -> None:
    t = tel_settings.telephony
    async with seat_phone(t, "seat01", tmp_path) as phone:
        citizen = caller(t, "110", "13800001111", 24_000, tmp_path)
        call = await taken(t, client, calltaker)
        cid = call["channel_id"]
        assert call["caller"] == "13800001111"  # a call taker has phones:full
        assert call["hotline"] == "110" and call["case_number"]

        held = await post(client, calltaker, f"{cid}/hold")
        assert held["state"] == "on_hold"
        assert cid in await bridge_members(t, f"{t.app}-holding")
        assert cid not in await bridge_members(t, f"call-{cid}")
        r = await client.post(f"/api/v1/calls/{cid}/hold", headers=calltaker)
        assert (r.status_code, r.json()["error_id"]) == (409, "illegal-call-transition")

        resumed = await post(client, calltaker, f"{cid}/resume")
        assert resumed["state"] == "talking"
        assert cid in await bridge_members(t, f"call-{cid}")

        rc, out = await citizen  # the caller hangs up at 24 s: never dropped before
        assert rc == 0, out
        rc, out = await phone.result()  # the seat got the BYE
        assert rc == 0, out
    number = call["case_number"]
    for line in ("坐席 seat01 接通来电", "通话保持", "恢复通话", "通话结束"):
        await wait_note(client, calltaker, number, line)


async def test_a_caller_on_hold_is_queued_again_when_the_seats_phone_drops(
    tel_settings: Settings,
    stasis_app: StasisApp,
    client: httpx.AsyncClient,
    calltaker: Headers,
    tmp_path: Path,
) -> None:
    t = tel_settings.telephony
    async with seat_phone(t, "seat02", tmp_path):
        citizen = caller(t, "110", "13800002222", 20_000, tmp_path)
        call = await taken(t, client, calltaker, "seat02")
        cid = call["channel_id"]
        await post(client, calltaker, f"{cid}/hold")
        # The seat's phone drops (its leg ends) while the caller waits on hold.
        [seat_leg] = await bridge_members(t, f"call-{cid}")
        async with httpx.AsyncClient(
            base_url=f"{t.ari_base_url}/ari",
            auth=(t.ari_user, t.ari_password.get_secret_value()),
        ) as ari:
            assert (await ari.delete(f"/channels/{seat_leg}")).status_code == 204
        again = await live_call(client, calltaker, "queued")
        assert again["channel_id"] == cid and again["seat"] in (None, "")
        assert cid in await bridge_members(t, f"{t.app}-holding")  # still connected
        await wait_note(client, calltaker, call["case_number"], "来电回到队列")
        rc, out = await citizen  # the caller hangs up on their own at 20 s
        assert rc == 0, out


async def test_blind_transfer_connects_the_caller_to_the_police_command_center(
    tel_settings: Settings,
    stasis_app: StasisApp,
    client: httpx.AsyncClient,
    calltaker: Headers,
    tmp_path: Path,
) -> None:
    t = tel_settings.telephony
    async with seat_phone(t, "seat02", tmp_path) as phone, unit_system(t, "police", tmp_path):
        citizen = caller(t, "110", "13800002222", 26_000, tmp_path)
        call = await taken(t, client, calltaker, "seat02")
        cid = call["channel_id"]
        out = await post(client, calltaker, f"{cid}/transfer", target="police", mode="blind")
        assert (out["state"], out["peer"]) == ("transferred", "police")
        rc, _ = await phone.result(15)  # the call taker's phone is released at once
        assert rc == 0

        async def with_police() -> bool:
            members = await bridge_members(t, f"call-{cid}")
            return cid in members and len(members) == 2

        await eventually(with_police, 15, "caller bridged with the police")
        rc, out = await citizen
        assert rc == 0, out
    await wait_note(client, calltaker, call["case_number"], "盲转（直接转接）至 公安指挥中心")


async def test_attended_transfer_consults_first_then_hands_the_caller_over(
    tel_settings: Settings,
    stasis_app: StasisApp,
    client: httpx.AsyncClient,
    calltaker: Headers,
    tmp_path: Path,
) -> None:
    t = tel_settings.telephony
    async with seat_phone(t, "seat03", tmp_path), unit_system(t, "fire", tmp_path):
        citizen = caller(t, "119", "13800003333", 28_000, tmp_path)
        call = await taken(t, client, calltaker, "seat03")
        cid = call["channel_id"]
        out = await post(client, calltaker, f"{cid}/transfer", target="fire", mode="attended")
        assert out["state"] == "transferring"

        async def consulting() -> bool:  # seat and unit talk; the caller is on hold
            return len(await bridge_members(t, f"call-{cid}")) == 2

        await eventually(consulting, 15, "seat talking with the unit")
        assert cid in await bridge_members(t, f"{t.app}-holding")
        done = await post(client, calltaker, f"{cid}/transfer/complete")
        assert done["state"] == "transferred"
        members = await bridge_members(t, f"call-{cid}")
        assert cid in members and len(members) == 2
        rc, out = await citizen
        assert rc == 0, out
    await wait_note(client, calltaker, call["case_number"], "转接完成")


async def test_three_way_call_puts_citizen_call_taker_and_unit_in_one_bridge(
    tel_settings: Settings,
    stasis_app: StasisApp,
    client: httpx.AsyncClient,
    calltaker: Headers,
    tmp_path: Path,
) -> None:
    t = tel_settings.telephony
    async with seat_phone(t, "seat04", tmp_path), unit_system(t, "police", tmp_path):
        citizen = caller(t, "122", "13800004444", 26_000, tmp_path)
        call = await taken(t, client, calltaker, "seat04")
        cid = call["channel_id"]
        out = await post(client, calltaker, f"{cid}/conference", target="police")
        assert out["state"] == "conference"

        async def three() -> bool:
            return len(await bridge_members(t, f"call-{cid}")) == 3

        try:
            await eventually(three, 15, "three parties in the bridge")
        except AssertionError:
            print(asterisk_log(t)[-6000:])
            print(await ari_get(t, "/channels"))
            raise
        rc, out = await citizen
        assert rc == 0, out
    await wait_note(client, calltaker, call["case_number"], "三方通话")


async def test_commands_on_unknown_calls_and_bad_bodies_are_refused(
    tel_settings: Settings, client: httpx.AsyncClient, calltaker: Headers
) -> None:
    r = await client.post("/api/v1/calls/nope.1/take", json={"seat": "seat01"}, headers=calltaker)
    assert (r.status_code, r.json()["error_id"]) == (404, "no-such-call")
    r = await client.post("/api/v1/calls/nope.1/transfer", json={"target": "x y"},
                          headers=calltaker)  # fmt: skip
    assert r.status_code == 422
    r = await client.get("/api/v1/calls", headers=calltaker)
    assert (r.status_code, r.json()) == (200, [])
