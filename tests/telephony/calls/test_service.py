"""Call handling against fakes of its ports: the paths a real Asterisk rarely shows."""

from __future__ import annotations

from typing import Any

import pytest

from core.cases.schemas import ContactCreate, ContactCreated
from core.errors import DuplicateIdempotencyKey
from telephony.ari.errors import AriNotFound
from telephony.ari.events import Bridge, Channel, Playback, StasisStart
from telephony.calls.service import CallService
from telephony.calls.state import Call, CallState
from telephony.settings import TelephonySettings

pytestmark = pytest.mark.anyio


class FakeControl:
    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    async def _note(self, name: str, *args: Any) -> None:
        self.calls.append((name, args))

    async def ring(self, channel_id: str) -> None:
        await self._note("ring", channel_id)

    async def answer(self, channel_id: str) -> None:
        await self._note("answer", channel_id)

    async def hangup(self, channel_id: str, reason: str = "normal") -> None:
        await self._note("hangup", channel_id)

    async def get_var(self, channel_id: str, name: str) -> str | None:
        return {
            "GEOLOC_PROFILE(format)": "GML",
            "GEOLOC_PROFILE(location_info)": 'shape="Point",crs="2d",pos="27.1 106.03"',
            "GEOLOC_PROFILE(method)": "GPS",
        }.get(name)

    async def play(
        self, channel_id: str, media: list[str], *, playback_id: str | None = None
    ) -> Playback:
        await self._note("play", channel_id, tuple(media))
        return Playback(playback_id or "p", media[0], f"channel:{channel_id}", "queued")

    async def create_bridge(self, bridge_id: str, kind: str = "mixing", name: str = "") -> Bridge:
        return Bridge(bridge_id, kind)

    async def add_to_bridge(self, bridge_id: str, channel_id: str, role: str = "") -> None:
        await self._note("add_to_bridge", bridge_id, channel_id)

    async def stop_playback(self, playback_id: str) -> None:
        await self._note("stop_playback", playback_id)

    async def continue_in_dialplan(
        self, channel_id: str, context: str, extension: str, priority: int = 1
    ) -> None:
        await self._note("continue", channel_id, context, extension)


class FakeStore:
    def __init__(self) -> None:
        self.calls: dict[str, Call] = {}
        self.holds: dict[str, str] = {}

    async def save(self, call: Call) -> None:
        self.calls[call.channel_id] = call

    async def get(self, channel_id: str) -> Call | None:
        return self.calls.get(channel_id)

    async def live(self) -> list[Call]:
        return [c for c in self.calls.values() if c.live]

    async def remember_hold(self, channel_id: str, playback_id: str) -> None:
        self.holds[channel_id] = playback_id

    async def hold_of(self, channel_id: str) -> str | None:
        return self.holds.get(channel_id)


class FakeIntake:
    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.bodies: list[ContactCreate] = []

    async def receive(self, body: ContactCreate, *, actor: str) -> ContactCreated:
        self.bodies.append(body)
        if self.error is not None:
            raise self.error
        return ContactCreated(contact_id=41, case_number="QX-20261126-00041")


def start(hotline: str = "119") -> StasisStart:
    channel = Channel("7.7", "PJSIP/carrier-1", "Ring", "13800000000", "", hotline, "x")
    return StasisStart(type="StasisStart", channel=channel, args=(hotline,))


async def test_a_call_is_registered_with_its_pidf_location_then_answered_and_greeted() -> None:
    control, store, intake = FakeControl(), FakeStore(), FakeIntake()
    service = CallService(control, intake, store, TelephonySettings(), clock=lambda: 5.0)
    call = await service.handle(None, start())
    assert call is not None
    assert call.state is CallState.greeting
    [body] = intake.bodies
    assert (body.channel, body.hotline, body.sender, body.live) == (
        "phone", "119", "13800000000", True,
    )  # fmt: skip
    assert body.idempotency_key == "call:7.7"
    assert body.location is not None
    assert (body.location.lat, body.location.lon, body.location.source) == (
        27.1, 106.03, "sip_pidf",
    )  # fmt: skip
    assert [name for name, _ in control.calls] == ["ring", "answer", "play"]
    assert control.calls[2][1][1] == ("sound:liandong/greeting-119",)
    assert store.calls["7.7"].case_number == "QX-20261126-00041"


async def test_when_the_contact_cannot_be_created_the_caller_goes_to_the_hunt_group() -> None:
    control, store = FakeControl(), FakeStore()
    service = CallService(control, FakeIntake(RuntimeError("database down")), store,
                          TelephonySettings())  # fmt: skip
    call = await service.handle(None, start("120"))
    assert call is not None
    assert call.state is CallState.fallback
    assert ("continue", ("7.7", "liandong-fallback", "120")) in control.calls
    assert "answer" not in [name for name, _ in control.calls]


async def test_a_stasis_start_seen_again_reuses_the_contact_it_already_made() -> None:
    duplicate = DuplicateIdempotencyKey(
        "used", details={"contact_id": 9, "case_number": "QX-9", "same_payload": True}
    )
    service = CallService(FakeControl(), FakeIntake(duplicate), FakeStore(), TelephonySettings())
    call = await service.handle(None, start())
    assert call is not None
    assert (call.contact_id, call.case_number) == (9, "QX-9")
    assert call.state is CallState.greeting


async def test_an_unknown_hotline_argument_is_treated_as_110() -> None:
    intake = FakeIntake()
    service = CallService(FakeControl(), intake, FakeStore(), TelephonySettings())
    await service.handle(None, start("999"))
    assert intake.bodies[0].hotline == "110"


class FakeMissed:
    def __init__(self) -> None:
        self.missed_calls: list[int] = []

    async def missed(self, contact_id: int, waited_s: float, *, reason: str = "hung_up") -> None:
        self.missed_calls.append(contact_id)


class GoneControl(FakeControl):
    async def ring(self, channel_id: str) -> None:
        raise AriNotFound("gone", ari_status=404)


async def test_a_caller_gone_before_stasis_rang_still_leaves_a_call_back_item() -> None:
    # E.g. hung up between the 12345 menu and Stasis: the IVR's contact is adopted.
    duplicate = DuplicateIdempotencyKey(
        "used", details={"contact_id": 9, "case_number": "QX-9", "same_payload": True}
    )
    missed, store = FakeMissed(), FakeStore()
    service = CallService(
        GoneControl(), FakeIntake(duplicate), store, TelephonySettings(), missed=missed
    )
    call = await service.handle(None, start("12345"))
    assert call is not None
    assert call.state is CallState.ended
    assert missed.missed_calls == [9]
    assert store.calls["7.7"].contact_id == 9
