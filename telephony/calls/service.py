"""Call handling for phase 1: every hotline call becomes a contact in the one queue,
is answered, greeted and held until a call taker takes it.

On StasisStart (args = [hotline]):
1. ring the caller (180 Ringing: ringback, not silence, while we work);
2. read the SIP geolocation Asterisk parsed from the INVITE (GEOLOC_PROFILE);
3. create the contact through the intake service - idempotent per channel, so a
   StasisStart seen twice (reconnect, restart) never makes a second contact;
4. answer, play the hotline's greeting, then hold the caller in the app's holding
   bridge with a repeating "please hold" prompt.
If the contact cannot be created (database down …) the call goes back to the
dialplan's fallback hunt group: a person must still hear the caller.

Each step is a transition of ``telephony.calls.state`` persisted through ``CallStore``.
This module speaks only to the Protocols in ``telephony.calls.ports``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

from core.cases.models import Hotline
from core.cases.schemas import ContactCreate, LocationIn
from core.errors import DuplicateIdempotencyKey
from prompts import hotline as prompts
from telephony.ari.errors import AriConflict, AriError, AriNotFound
from telephony.ari.events import (
    ChannelDestroyed,
    ChannelHangupRequest,
    Event,
    PlaybackFinished,
    StasisEnd,
    StasisStart,
)
from telephony.calls.errors import IllegalCallTransition
from telephony.calls.geoloc import CallerLocation, LocationReference, parse_location
from telephony.calls.ports import CallControl, CallStore, ContactIntake, MissedCalls
from telephony.calls.state import WAITING, Call, CallEvent, CallState, advance, arrive, note
from telephony.settings import TelephonySettings

log = logging.getLogger(__name__)

ACTOR = "system:telephony"
FALLBACK_CONTEXT = "liandong-fallback"  # extensions.conf
_HOTLINES = frozenset(h.value for h in Hotline)
# The hold loop: "please hold", 10 s of Asterisk's built-in silence (GSM: needs
# codec_gsm, modules.conf), "you are in line", 10 s of silence, repeated.
HOLD_MEDIA = [
    prompts.media("hold"),
    "sound:silence/10",
    prompts.media("comfort"),
    "sound:silence/10",
]


def idempotency_key(channel_id: str) -> str:
    return f"call:{channel_id}"


def greeting_id(channel_id: str) -> str:
    return f"greeting-{channel_id}"


def hold_id(channel_id: str) -> str:
    """A fresh id per hold round, never reused (not even by a restarted process): a
    stopped round's PlaybackFinished must not be taken for the current round's, or
    two loops run and the older one is never stopped - and ARI queues addChannel
    behind a channel's playing file (the loop's 10 s of silence)."""
    return f"hold-{channel_id}-{secrets.token_hex(3)}"


# States in which the caller is in the holding bridge and hears the hold loop.
ON_HOLD_LOOP = frozenset(
    {
        CallState.queued,
        CallState.ringing_seat,
        CallState.on_hold,
        CallState.transferring,
        CallState.transferred,  # until the unit answers; then the loop stops
    }
)


class CallHooks(Protocol):
    """Phase 2 (call takers, recordings) plugs in here; phase 1 works without it."""

    def saved(self, call: Call) -> None: ...
    async def answered(self, call: Call) -> None: ...
    async def ended(self, call: Call) -> None: ...


class CallService:
    def __init__(
        self,
        control: CallControl,
        intake: ContactIntake,
        store: CallStore,
        settings: TelephonySettings,
        clock: Callable[[], float] = time.time,
        missed: MissedCalls | None = None,
        hooks: CallHooks | None = None,
        locate: Callable[[str], Awaitable[CallerLocation | None]] | None = None,
    ) -> None:
        self.control = control
        self.hooks = hooks
        self.locate_reference = locate
        self.missed = missed
        self.intake = intake
        self.store = store
        self.settings = settings
        self.clock = clock
        self.holding_bridge = f"{settings.app}-holding"
        self._hold_rounds: dict[str, str] = {}  # channel → its current hold round's id

    async def prepare(self) -> None:
        """Create the holding bridge (idempotent: POST /bridges/{id} creates or
        updates). Called after every (re)connection: an Asterisk restart loses it."""
        with contextlib.suppress(AriConflict):  # it exists: the reconnect kept it
            await self.control.create_bridge(self.holding_bridge, "holding", self.holding_bridge)

    async def handle(self, call: Call | None, event: Event) -> Call | None:
        """Apply one event of this channel; returns the call's new state."""
        try:
            if isinstance(event, StasisStart):
                return await self._start(event) if call is None else call
            if call is None:
                return None
            if isinstance(event, StasisEnd | ChannelHangupRequest | ChannelDestroyed):
                return await self._gone(call)
            if isinstance(event, PlaybackFinished):
                return await self._playback_finished(call, event)
        except IllegalCallTransition as exc:
            # Late events (a playback ending after the hang-up) are normal in ARI.
            log.debug("event ignored: %s", exc.message, extra=exc.details)
        return call

    # --- steps -----------------------------------------------------------------------
    async def _save(self, call: Call) -> Call:
        await self.store.save(call)
        if self.hooks is not None:
            self.hooks.saved(call)
        return call

    save = _save

    async def _start(self, ev: StasisStart) -> Call | None:
        ch = ev.channel
        hotline = ev.args[0] if ev.args else ""
        if hotline not in _HOTLINES:
            log.warning("unknown hotline argument; treated as 110", extra={"arg": hotline})
            hotline = Hotline.police.value
        try:
            await self.control.ring(ch.id)
        except AriNotFound:
            # Gone before we started (or between an IVR menu and Stasis): the call still
            # reached the center, so it leaves a call-back item - on the contact the IVR
            # made for it when there is one, never silently nothing.
            return await self._vanished(ch.id, hotline, ch.caller_number or "anonymous")
        location = await self._location(ch.id)
        call = await self._save(
            arrive(
                ch.id,
                hotline,
                ch.caller_number or "anonymous",
                self.clock(),
                lat=location.lat if location else None,
                lon=location.lon if location else None,
            )
        )
        try:
            contact_id, case_number = await self._register(call, location)
        except Exception:
            log.exception("contact not created; caller sent to the fallback hunt group")
            return await self._fallback(call)
        call = await self._registered(call, contact_id, case_number)
        log.info(
            "call registered",
            extra={"channel": ch.id, "hotline": hotline, "case_number": case_number},
        )
        try:
            await self.control.answer(ch.id)
        except AriNotFound:
            raise
        except AriError:
            log.exception("answer failed; caller sent to the fallback hunt group")
            return await self._fallback(call)
        call = await self._save(advance(call, CallEvent.answered, self.clock()))
        if self.hooks is not None:
            await self.hooks.answered(call)  # starts recording what the caller says
        try:
            await self.control.play(
                ch.id, [prompts.media(prompts.greeting(hotline))], playback_id=greeting_id(ch.id)
            )
        except AriNotFound:
            raise
        except AriError:
            log.warning("greeting not played; queueing at once", exc_info=True)
            return await self._queue(call)
        return await self._save(advance(call, CallEvent.greeting_started, self.clock()))

    async def _registered(self, call: Call, contact_id: int, case_number: str) -> Call:
        return await self._save(
            advance(
                call,
                CallEvent.contact_created,
                self.clock(),
                contact_id=contact_id,
                case_number=case_number,
            )
        )

    async def _vanished(self, channel_id: str, hotline: str, caller: str) -> Call | None:
        call = await self._save(arrive(channel_id, hotline, caller, self.clock()))
        try:
            contact_id, case_number = await self._register(call, None)
        except Exception:
            log.exception("contact of a vanished caller not created", extra={"channel": channel_id})
            return await self._save(advance(call, CallEvent.hung_up, self.clock()))
        call = await self._registered(call, contact_id, case_number)
        return await self._gone(call)

    async def _location(self, channel_id: str) -> CallerLocation | None:
        try:
            # Most calls carry no PIDF-LO: the format (""), then, only when there is
            # one, the rest - two ARI round trips saved per call.
            fmt = await self.control.get_var(channel_id, "GEOLOC_PROFILE(format)")
            if not fmt:
                return None
            info, method = await asyncio.gather(
                *(
                    self.control.get_var(channel_id, f"GEOLOC_PROFILE({field})")
                    for field in ("location_info", "method")
                )
            )
        except AriNotFound:
            return None
        loc = parse_location(fmt, info, method)
        if isinstance(loc, LocationReference):
            # Asterisk does not dereference location URIs: we fetch the PIDF-LO
            # (telephony.calls.geoloc_fetch). Without it the call goes on without a location.
            if self.locate_reference is None:
                log.info("location by reference not fetched", extra={"uri": loc.uri})
                return None
            return await self.locate_reference(loc.uri)
        return loc

    async def _register(self, call: Call, loc: CallerLocation | None) -> tuple[int, str]:
        location = (
            LocationIn(lat=loc.lat, lon=loc.lon, source="sip_pidf", accuracy_m=loc.accuracy_m)
            if loc
            else None
        )
        body = ContactCreate(
            channel="phone",
            hotline=call.hotline,
            sender=call.caller,
            text="",
            live=True,
            location=location,
            idempotency_key=idempotency_key(call.channel_id),
        )
        try:
            created = await self.intake.receive(body, actor=ACTOR)
        except DuplicateIdempotencyKey as exc:
            # This channel's contact exists already (StasisStart seen again).
            return int(exc.details["contact_id"]), str(exc.details["case_number"])
        return created.contact_id, created.case_number

    async def _fallback(self, call: Call) -> Call:
        try:
            await self.control.continue_in_dialplan(call.channel_id, FALLBACK_CONTEXT, call.hotline)
        except AriNotFound:
            return await self._save(advance(call, CallEvent.hung_up, self.clock()))
        return await self._save(advance(call, CallEvent.handed_to_fallback, self.clock()))

    async def queue(self, call: Call) -> Call:
        """Put an answered caller into the holding bridge (adoption after a restart)."""
        return await self._queue(call)

    async def _queue(self, call: Call) -> Call:
        await self.control.add_to_bridge(self.holding_bridge, call.channel_id)
        call = await self._save(
            advance(call, CallEvent.greeting_finished, self.clock(), bridge_id=self.holding_bridge)
        )
        await self._hold_prompt(call)
        return call

    async def hold_prompt(self, call: Call) -> None:
        """Start (another round of) the hold loop on the caller's channel."""
        await self._hold_prompt(call)

    def hold_round(self, channel_id: str) -> str | None:
        """The playback id of the caller's current hold round (tests, diagnostics)."""
        return self._hold_rounds.get(channel_id)

    async def stop_hold_prompt(self, call: Call) -> None:
        pid = self._hold_rounds.pop(call.channel_id, None)
        if pid is None:
            # A round another process started (before a restart) is still playing.
            pid = await self.store.hold_of(call.channel_id)
        if pid is None:
            return
        with contextlib.suppress(AriError):  # already finished
            await self.control.stop_playback(pid)

    async def _hold_prompt(self, call: Call) -> None:
        pid = hold_id(call.channel_id)
        self._hold_rounds[call.channel_id] = pid
        await self.store.remember_hold(call.channel_id, pid)
        try:
            await self.control.play(call.channel_id, HOLD_MEDIA, playback_id=pid)
        except AriNotFound:
            pass  # gone; StasisEnd follows
        except AriError:
            log.warning("hold prompt not played", exc_info=True)

    async def _playback_finished(self, call: Call, ev: PlaybackFinished) -> Call:
        pid = ev.playback.id
        if pid == greeting_id(call.channel_id) and call.state is CallState.greeting:
            return await self._queue(call)
        if (
            pid == greeting_id(call.channel_id)
            and call.state in (CallState.ringing_seat, CallState.queued)
            and call.bridge_id is None
        ):
            # Taken during the greeting and not answered yet (or the seat failed):
            # the caller waits in the holding bridge like everyone else.
            await self.control.add_to_bridge(self.holding_bridge, call.channel_id)
            call = await self._save(
                note(call, CallEvent.greeting_finished, self.clock(), bridge_id=self.holding_bridge)
            )
            await self.stop_hold_prompt(call)
            await self._hold_prompt(call)
            return call
        if (
            pid.startswith(f"hold-{call.channel_id}-")
            and call.state in ON_HOLD_LOOP
            and pid == self._hold_rounds.get(call.channel_id)
            and ev.playback.state != "failed"  # a missing file must not spin
        ):
            await self._hold_prompt(call)
        return call

    async def gone(self, call: Call, *, cut: bool = False) -> Call:
        """The caller's channel is gone. ``cut``: by an Asterisk restart, not by anyone
        hanging up, so even a caller who was talking must be called back."""
        return await self._gone(call, cut=cut)

    async def _gone(self, call: Call, *, cut: bool = False) -> Call:
        self._hold_rounds.pop(call.channel_id, None)
        if not call.live:
            return call
        log.info("caller gone", extra={"channel": call.channel_id, "state": call.state.value})
        waiting = call.direction == "in" and (cut or call.state in WAITING)
        ended = await self._save(advance(call, CallEvent.hung_up, self.clock()))
        if self.hooks is not None:
            await self.hooks.ended(call)  # the legs and the call's bridge go too
        if waiting and call.contact_id is not None and self.missed is not None:
            try:
                await self.missed.missed(
                    call.contact_id,
                    self.clock() - call.arrived_at,
                    reason="asterisk_restart" if cut else "hung_up",
                )
            except Exception:  # the call is over either way; the case stays queued
                log.exception("missed call not recorded", extra={"channel": call.channel_id})
        return ended
