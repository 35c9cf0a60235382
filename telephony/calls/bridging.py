"""The common ground of call-taker control: the call's legs and bridges.

``ControlBase`` holds what ``telephony.calls.control`` (commands) and ``telephony.calls.legs``
(leg events, adoption) share: the hooks ``CallService`` calls (saved, answered,
ended), moving the caller between the holding bridge and the call's mixing bridge
``call-<channel>``, originating legs with ids we choose, recording, and handing the
caller over to a unit. See ``telephony.calls.control`` for the whole picture.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, MutableMapping

from telephony.ari.errors import AriConflict, AriError
from telephony.calls import dialing, recording
from telephony.calls.journal import CaseJournal
from telephony.calls.ports import CallLegs, CallStore, ContactLookup
from telephony.calls.service import CallService
from telephony.calls.state import Call, CallEvent, CallState, note
from telephony.settings import TelephonySettings

log = logging.getLogger(__name__)

E, S = CallEvent, CallState
LEG_ROLES = frozenset({"seat", "peer", "snoop", "citizen", "super", "spy"})


def snoop_id(channel_id: str) -> str:
    return f"snoop-{channel_id}"  # owner last: see dialing.leg_id


class ControlBase:
    def __init__(
        self,
        ari: CallLegs,
        service: CallService,
        store: CallStore,
        settings: TelephonySettings,
        *,
        legs: MutableMapping[str, str],
        journal: CaseJournal | None = None,
        contacts: ContactLookup | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.ari = ari
        self.service = service
        self.store = store
        self.settings = settings
        self.legs = legs  # leg channel id → the call it belongs to (shared with the app)
        self.journal = journal
        self.contacts = contacts
        self.clock = clock
        self.app = settings.app
        self.holding = service.holding_bridge
        self._peer_up: set[str] = set()  # calls whose unit leg has answered
        # Told of every persisted change (seat presence and distribution, issue 16).
        self.watchers: list[Callable[[Call], None]] = []

    # --- CallService hooks ----------------------------------------------------------
    def saved(self, call: Call) -> None:
        if self.journal is not None:
            self.journal.call_event(call, self.label(call.peer))
        for watch in self.watchers:
            watch(call)

    async def answered(self, call: Call) -> None:
        sid = snoop_id(call.channel_id)
        self.legs[sid] = call.channel_id
        try:
            await self.ari.snoop(
                call.channel_id,
                app=self.app,
                spy="in",
                snoop_id=sid,
                app_args=f"snoop,{call.channel_id}",
            )
        except AriError:
            self.legs.pop(sid, None)
            log.warning("caller not recorded while waiting", exc_info=True)

    async def ended(self, call: Call) -> None:
        # The snoop ends with the caller's channel by itself; legs and the talk
        # bridge exist only once a seat or a unit was involved.
        for leg in (call.seat_channel, call.peer_channel, call.super_channel):
            if leg:
                await self._quietly(self.ari.hangup(leg))
        if call.seat or call.peer:
            await self._quietly(self.ari.destroy_bridge(call.talk_bridge))
        if call.supervisor:
            await self._quietly(self.ari.destroy_bridge(f"sup-{call.channel_id}"))
        self.forget(call.channel_id)

    def forget(self, cid: str) -> None:
        self._peer_up.discard(cid)
        for leg in [leg for leg, owner in self.legs.items() if owner == cid]:
            del self.legs[leg]

    def label(self, peer: str | None) -> str:
        if not peer:
            return ""
        for t in self.settings.outbound_trunks:
            if t.name == peer:
                return f"{t.label}（{peer}）"
        return peer

    # --- helpers --------------------------------------------------------------------
    @staticmethod
    async def _quietly(aw: object) -> None:
        """An ARI step whose failure changes nothing: the channel or bridge is already
        gone, or the channel is already where we want it."""
        try:
            await aw  # type: ignore[misc]
        except AriError as exc:
            log.debug("ARI step skipped: %s", exc.message)

    async def _save(self, call: Call) -> Call:
        return await self.service.save(call)

    async def _to_talk(self, call: Call, *channels: str) -> None:
        # POST /bridges/{id} answers 409 when the bridge exists: it survives a lost
        # websocket and a restart of this process (only an Asterisk restart ends it).
        with contextlib.suppress(AriConflict):
            await self.ari.create_bridge(call.talk_bridge, "mixing", call.talk_bridge)
        for ch in channels:
            # Adding a channel that is in another bridge moves it (ARI swaps it out).
            await self.ari.add_to_bridge(call.talk_bridge, ch)

    async def _to_holding(self, call: Call, *, adopting: bool = False) -> None:
        # The running hold loop is stopped first: ARI runs addChannel on the channel's
        # own command queue, behind the file it is playing (up to the loop's 10 s of
        # silence) - longer than a request may take.
        await self.service.stop_hold_prompt(call)
        if not (adopting and call.channel_id in (await self.ari.bridge(self.holding)).channels):
            # (After a restart the old loop's id is unknown: a caller still in the
            # holding bridge stays there, the new loop plays after the old one.)
            await self.ari.add_to_bridge(self.holding, call.channel_id)
        await self.service.hold_prompt(call)

    async def _record_talk(self, call: Call) -> None:
        try:
            await self.ari.record_bridge(call.talk_bridge, recording.talk_name(call.channel_id))
        except AriError:
            log.warning("conversation not recorded", exc_info=True)

    async def _stop_listening(self, call: Call) -> None:
        await self._quietly(self.ari.stop_recording(recording.queued_name(call.channel_id)))
        await self._quietly(self.ari.hangup(snoop_id(call.channel_id)))

    async def _originate(self, call: Call, role: str, endpoint: str, ring_s: int) -> str:
        leg = dialing.leg_id(call.channel_id, role)
        self.legs[leg] = call.channel_id
        try:
            await self.ari.originate(
                endpoint,
                app=self.app,
                app_args=f"{role},{call.channel_id}",
                caller_id=f'"{call.hotline}" <{call.caller}>',
                timeout_s=ring_s,
                channel_id=leg,
            )
        except AriError:
            self.legs.pop(leg, None)
            raise
        return leg

    async def _hang_up_caller(self, call: Call, actor: str) -> Call:
        await self._quietly(self.ari.hangup(call.channel_id))
        return await self.service.gone(note(call, E.hung_up, call.updated_at, actor=actor))

    async def _complete(self, call: Call, nxt: Call) -> Call:
        """The call taker leaves; the caller goes to the unit (now, or when it answers)."""
        if call.seat_channel:
            self.legs.pop(call.seat_channel, None)
            await self._quietly(self.ari.hangup(call.seat_channel))
        if call.channel_id in self._peer_up:
            await self.service.stop_hold_prompt(call)
            await self._to_talk(call, call.channel_id)
            nxt = note(nxt, E(nxt.event), nxt.updated_at, bridge_id=call.talk_bridge)
        return await self._save(nxt)
