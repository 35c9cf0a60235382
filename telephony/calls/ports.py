"""What the call logic needs from the outside world, as small Protocols.

``telephony.calls.service`` depends only on these; ``telephony.ari.client.AriClient``,
``telephony.calls.store.RedisCallStore`` and ``core.cases.intake.IntakeService`` implement
them, and tests may hand in fakes.
"""

from __future__ import annotations

from typing import Any, Protocol

from core.cases.schemas import ContactCreate, ContactCreated
from telephony.ari.events import Bridge, Channel, Playback
from telephony.calls.state import Call


class CallControl(Protocol):
    async def ring(self, channel_id: str) -> None: ...
    async def answer(self, channel_id: str) -> None: ...
    async def hangup(self, channel_id: str, reason: str = "normal") -> None: ...
    async def get_var(self, channel_id: str, name: str) -> str | None: ...
    async def play(
        self, channel_id: str, media: list[str], *, playback_id: str | None = None
    ) -> Playback: ...
    async def create_bridge(
        self, bridge_id: str, kind: str = "mixing", name: str = ""
    ) -> Bridge: ...
    async def add_to_bridge(self, bridge_id: str, channel_id: str, role: str = "") -> None: ...
    async def stop_playback(self, playback_id: str) -> None: ...
    async def continue_in_dialplan(
        self, channel_id: str, context: str, extension: str, priority: int = 1
    ) -> None: ...


class CallStore(Protocol):
    async def save(self, call: Call) -> None: ...
    async def get(self, channel_id: str) -> Call | None: ...
    async def live(self) -> list[Call]: ...
    async def remember_hold(self, channel_id: str, playback_id: str) -> None: ...
    async def hold_of(self, channel_id: str) -> str | None: ...


class ContactIntake(Protocol):
    async def receive(self, body: ContactCreate, *, actor: str) -> ContactCreated: ...


class MissedCalls(Protocol):
    async def missed(self, contact_id: int, waited_s: float, *, reason: str = ...) -> None: ...


class CallLegs(CallControl, Protocol):
    """What call-taker control needs beyond phase 1: placing and ending legs, moving
    channels between bridges, recording."""

    async def channels(self) -> list[Channel]: ...
    async def bridge(self, bridge_id: str) -> Bridge: ...
    async def remove_from_bridge(self, bridge_id: str, channel_id: str) -> None: ...
    async def destroy_bridge(self, bridge_id: str) -> None: ...
    async def originate(
        self,
        endpoint: str,
        *,
        app: str,
        app_args: str = "",
        caller_id: str = "",
        timeout_s: int = 30,
        channel_id: str | None = None,
        variables: dict[str, str] | None = None,
    ) -> Channel: ...
    async def snoop(
        self,
        channel_id: str,
        *,
        app: str,
        spy: str = "in",
        snoop_id: str | None = None,
        app_args: str = "",
        whisper: str = "none",
    ) -> Channel: ...
    async def record_bridge(
        self, bridge_id: str, name: str, *, fmt: str = "wav", max_s: int = 0
    ) -> dict[str, Any]: ...
    async def record_channel(
        self, channel_id: str, name: str, *, fmt: str = "wav", max_s: int = 0
    ) -> dict[str, Any]: ...
    async def stop_recording(self, name: str) -> None: ...


class ContactLookup(Protocol):
    async def __call__(self, contact_id: int) -> tuple[str, str, str] | None:
        """(citizen number, hotline, case number) of a contact, None when unknown."""
        ...
