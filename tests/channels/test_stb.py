"""Set-top-box one-click alarm (R4): signed by the box's own key, replay-proof,
one case per alarm id, heartbeats supervised."""

from __future__ import annotations

import contextlib
import time
from datetime import timedelta

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import select

from channels.stb.schemas import AlarmIn
from channels.stb.settings import DEMO_MASTER_SECRET
from channels.stb.signing import device_key, signature_ok
from channels.wiring import Channels
from core.cases.tables import ContactRow
from core.orgmap.tables import HouseholdRow
from simulators.stb import FakeSetTopBox
from tests.channels.conftest import contact_count

pytestmark = pytest.mark.anyio


@pytest.fixture
async def box(channels: Channels) -> FakeSetTopBox:
    async with channels.core.db.session() as s:
        device = await s.scalar(
            select(HouseholdRow.stb_device_id)
            .where(HouseholdRow.stb_device_id.is_not(None))
            .order_by(HouseholdRow.id)
            .limit(1)
        )
    assert device
    return FakeSetTopBox(device, device_key(DEMO_MASTER_SECRET, device, 1))


async def test_alarm_opens_one_case_at_the_household_with_nearest_cameras(
    ch_client: httpx.AsyncClient, channels: Channels, box: FakeSetTopBox
) -> None:
    r = await box.alarm(ch_client, "A-0001")
    assert r.status_code == 200, r.text
    first = r.json()
    assert first["case_number"].startswith("QX-") and not first["duplicate"]
    assert first["household_address"] and first["nearest_cameras"]
    assert "编号" in first["message"]
    # The box retries (new nonce, same alarm id): same case, no second contact.
    again = (await box.alarm(ch_client, "A-0001")).json()
    assert again["case_number"] == first["case_number"] and again["duplicate"]
    assert await contact_count(channels, "stb_alarm") == 1
    async with channels.core.db.session() as s:
        c = (await s.scalars(select(ContactRow))).one()
    assert c.location_source == "stb" and c.sender == box.device_id and c.address


async def test_replayed_nonce_wrong_key_unknown_box_and_stale_time_are_refused(
    ch_client: httpx.AsyncClient, channels: Channels, box: FakeSetTopBox
) -> None:
    assert (await box.alarm(ch_client, "A-2", nonce="fixednonce01")).status_code == 200
    r = await box.alarm(ch_client, "A-3", nonce="fixednonce01")
    assert r.status_code == 401 and r.json()["error_id"] == "replay-rejected"
    thief = FakeSetTopBox(box.device_id, "0" * 64)
    r = await thief.alarm(ch_client, "A-4")
    assert r.status_code == 401 and r.json()["error_id"] == "channel-signature-invalid"
    stranger = FakeSetTopBox("STB-NOTREGISTERED", device_key(DEMO_MASTER_SECRET, "x", 1))
    r = await stranger.alarm(ch_client, "A-5")
    assert r.status_code == 404 and r.json()["error_id"] == "device-not-found"
    r = await box.alarm(ch_client, "A-6", timestamp=int(time.time()) - 3600)
    assert r.status_code == 401 and r.json()["error_id"] == "signature-expired"
    r = await ch_client.post("/api/v1/channels/stb/alarm", json={"alarm_id": "A-7"})
    assert r.status_code == 401
    r = await box.post(ch_client, "alarm", {"alarm_id": "bad id with spaces"})
    assert r.status_code == 400 and r.json()["error_id"] == "stb-alarm-invalid"
    assert await contact_count(channels, "stb_alarm") == 1


async def test_silent_box_raises_a_fault_visible_to_staff_and_heartbeat_clears_it(
    ch_client: httpx.AsyncClient, channels: Channels, box: FakeSetTopBox, calltaker: dict[str, str]
) -> None:
    r = await box.heartbeat(ch_client)
    assert r.status_code == 200 and r.json()["ok"]
    stb = channels.stb_service()
    assert await stb.supervise_once() == 0
    real = stb.clock
    stb.clock = lambda: real() + timedelta(seconds=stb.settings.silent_after_s + 1)
    try:
        assert await stb.supervise_once() == 1
        assert await stb.supervise_once() == 0  # raised once, not every round
    finally:
        stb.clock = real
    r = await ch_client.get("/api/v1/channels/stb/faults", headers=calltaker)
    assert [(f["device_id"], f["fault"]) for f in r.json()] == [(box.device_id, "silent")]
    assert r.json()[0]["household_address"]
    assert (await ch_client.get("/api/v1/channels/stb/faults")).status_code == 401
    await box.heartbeat(ch_client)
    r = await ch_client.get("/api/v1/channels/stb/faults", headers=calltaker)
    assert r.json() == []


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_fuzz_alarm_parser_only_raises_validation_errors(data: bytes) -> None:
    with contextlib.suppress(ValidationError):
        AlarmIn.model_validate_json(data)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40), st.text(max_size=20), st.binary(max_size=100), st.text(max_size=80))
def test_fuzz_signature_check_never_raises(device: str, nonce: str, body: bytes, sig: str) -> None:
    assert signature_ok("k" * 64, device, "1795640000", nonce, body, sig) in (True, False)
