"""Events of a call's legs (seat phone, unit, snoop, a call-back's citizen) and the
adoption of calls after a reconnect or a restarted process (``reconcile``).

Each runs inside the call's session, like the commands of ``telephony.calls.control``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from telephony.ari.errors import AriError, AriNotFound
from telephony.ari.events import Channel, ChannelDestroyed, Event, StasisEnd, StasisStart
from telephony.calls import dialing, recording
from telephony.calls.bridging import ControlBase, snoop_id
from telephony.calls.journal import SYSTEM_ACTOR
from telephony.calls.service import greeting_id
from telephony.calls.state import Call, CallEvent, CallState, advance, note

log = logging.getLogger(__name__)

E, S = CallEvent, CallState
# After a restart these states have the caller in the holding bridge with the loop.
_HOLDING = frozenset({S.queued, S.ringing_seat, S.on_hold, S.transferring})


class LegEvents(ControlBase):
    async def citizen_answered(self, call: Call) -> Call:
        if call.state is not S.dialing_out:
            return call
        await self._to_talk(call, call.channel_id)
        call = await self._save(
            advance(call, E.citizen_answered, self.clock(), bridge_id=call.talk_bridge)
        )
        await self._record_talk(call)
        return call

    async def leg_event(self, call: Call, event: Event) -> Call:
        leg = event.channel_id or ""
        cid = call.channel_id
        if leg == call.seat_channel:
            role = "seat"
        elif leg == call.peer_channel:
            role = "peer"
        elif leg == snoop_id(cid):
            role = "snoop"
        else:
            role = ""
        if isinstance(event, StasisStart):
            if role == "seat":
                return await self.seat_up(call)
            if role == "peer":
                return await self.peer_up(call)
            if role == "snoop":
                await self._quietly(self.ari.record_channel(leg, recording.queued_name(cid)))
                return call
            # A leg the call no longer wants (a cancelled transfer that answered late).
            self.legs.pop(leg, None)
            await self._quietly(self.ari.hangup(leg))
            return call
        if isinstance(event, ChannelDestroyed | StasisEnd):
            self.legs.pop(leg, None)
            if role == "seat":
                return await self.seat_gone(call)
            if role == "peer":
                return await self.peer_gone(call)
        return call

    async def seat_up(self, call: Call) -> Call:
        if call.state is not S.ringing_seat or call.seat_channel is None:
            return call  # seen twice (reconcile, then the late StasisStart)
        now = self.clock()
        if call.direction == "out":
            await self._to_talk(call, call.seat_channel)
            try:
                await dialing.call_out(
                    self.ari,
                    self.settings,
                    call.caller,
                    app=self.app,
                    app_args=f"citizen,{call.channel_id}",
                    caller_id=call.hotline,
                    channel_id=call.channel_id,
                )
            except AriError as exc:
                log.warning("call-back not dialled: %s", exc.details)
                return await self.service.gone(call)
            return await self._save(
                advance(call, E.callback_seat_answered, now, bridge_id=call.talk_bridge)
            )
        await self.service.stop_hold_prompt(call)
        if call.bridge_id is None:  # answered during the greeting: cut it short
            await self._quietly(self.ari.stop_playback(greeting_id(call.channel_id)))
        await self._stop_listening(call)
        await self._to_talk(call, call.channel_id, call.seat_channel)
        call = await self._save(advance(call, E.seat_answered, now, bridge_id=call.talk_bridge))
        await self._record_talk(call)
        return call

    async def peer_up(self, call: Call) -> Call:
        cid = call.channel_id
        if call.peer_channel is None:
            return call
        self._peer_up.add(cid)
        now = self.clock()
        if call.state is S.transferred:
            await self.service.stop_hold_prompt(call)
            await self._to_talk(call, cid, call.peer_channel)
            return await self._save(note(call, E.peer_answered, now, bridge_id=call.talk_bridge))
        if call.state in (S.transferring, S.conference):
            await self._to_talk(call, call.peer_channel)
            return await self._save(note(call, E.peer_answered, now))
        return call

    async def seat_gone(self, call: Call) -> Call:
        now = self.clock()
        seat_actor = f"seat:{call.seat}"
        if call.state is S.ringing_seat and call.direction == "in":
            call = await self._save(
                advance(call, E.seat_failed, now, seat=None, seat_channel=None, actor=SYSTEM_ACTOR)
            )
            if call.bridge_id is not None:  # else the greeting still plays; its end queues
                await self.service.stop_hold_prompt(call)
                await self.service.hold_prompt(call)
            return call
        if call.state is S.on_hold and call.direction == "in":
            # The caller is in the holding bridge with the hold prompt already: they
            # stay there, queued again for the next call taker.
            return await self._save(
                advance(call, E.seat_left, now, seat=None, seat_channel=None, actor=seat_actor)
            )
        if call.state in (S.talking, S.on_hold, S.dialing_out) or (
            call.state is S.ringing_seat and call.direction == "out"
        ):
            # The call taker hung up: the conversation is over.
            return await self._hang_up_caller(
                note(call, E(call.event), now, seat_channel=None), seat_actor
            )
        if call.state in (S.transferring, S.conference):
            nxt = advance(call, E.transfer_completed, now, seat_channel=None, actor=seat_actor)
            return await self._complete(note(call, E(call.event), now, seat_channel=None), nxt)
        return call

    async def peer_gone(self, call: Call) -> Call:
        cid = call.channel_id
        was_up = cid in self._peer_up
        self._peer_up.discard(cid)
        now = self.clock()
        call = note(call, E(call.event), now, peer_channel=None)
        if call.state is S.transferred:
            if was_up:
                return await self._hang_up_caller(call, SYSTEM_ACTOR)
            # The unit never answered: back to the queue, still on hold.
            return await self._save(
                advance(
                    call,
                    E.transfer_failed,
                    now,
                    actor=SYSTEM_ACTOR,
                    seat=None,
                    bridge_id=self.holding,
                )
            )
        if call.state is S.transferring:
            await self.service.stop_hold_prompt(call)
            await self._to_talk(call, cid)
            return await self._save(
                advance(
                    call, E.transfer_cancelled, now, actor=SYSTEM_ACTOR, bridge_id=call.talk_bridge
                )
            )
        if call.state is S.conference:
            return await self._save(advance(call, E.peer_left, now, actor=SYSTEM_ACTOR))
        return call

    # --- after a reconnect or a restart ---------------------------------------------
    async def reconcile(
        self, call: Call, channels: Mapping[str, Channel], *, restarted: bool = False
    ) -> Call:
        """Adopt a call from its persisted state and what Asterisk still has. After an
        Asterisk restart a call that is gone was cut in whatever state it was in."""
        cid = call.channel_id
        anchor = (
            cid
            if (call.direction == "in" or call.state is not S.ringing_seat)
            else (call.seat_channel or cid)
        )
        if anchor not in channels:
            log.info("call gone while we were away", extra={"channel": cid})
            return await self.service.gone(call, cut=restarted)
        for leg in (call.seat_channel, call.peer_channel):
            if leg:
                self.legs[leg] = cid
        self.legs[snoop_id(cid)] = cid
        call = await self._save(note(call, E.adopted, self.clock()))
        log.info("call adopted", extra={"channel": cid, "state": call.state.value})
        try:
            return await self._reattach(call, channels)
        except AriNotFound:
            return call  # something left meanwhile; its events follow

    async def _reattach(self, call: Call, channels: Mapping[str, Channel]) -> Call:
        cid = call.channel_id
        if call.state is S.greeting:
            try:
                await self.ari.stop_playback(f"greeting-{cid}")
            except AriNotFound:
                return await self.service.queue(call)  # it ended while we were away
            return call  # PlaybackFinished follows and queues the caller
        if call.state is S.answered:
            return await self.service.queue(call)
        if call.state in _HOLDING or (
            call.state is S.transferred
            and call.peer_channel not in self._peer_up_ids(channels, call)
        ):
            await self._quietly(self._to_holding(call, adopting=True))
        if call.state is S.ringing_seat and call.seat_channel:
            seat = channels.get(call.seat_channel)
            if seat is None:
                return await self.seat_gone(call)
            if seat.state == "Up":
                return await self.seat_up(call)
            return call
        if call.seat_channel and call.seat_channel not in channels:
            call = await self.seat_gone(call)
        if call.peer_channel and call.peer_channel not in channels and call.live:
            call = await self.peer_gone(call)
        if not call.live:
            return call
        if call.peer_channel and channels[call.peer_channel].state == "Up":
            self._peer_up.add(cid)
        members = {
            S.talking: [cid, call.seat_channel],
            S.on_hold: [call.seat_channel],
            S.transferring: [
                call.seat_channel,
                call.peer_channel if cid in self._peer_up else None,
            ],
            S.conference: [
                cid,
                call.seat_channel,
                call.peer_channel if cid in self._peer_up else None,
            ],
            S.transferred: [cid, call.peer_channel] if cid in self._peer_up else [],
            S.dialing_out: [call.seat_channel],
        }.get(call.state, [])
        wanted = [m for m in members if m]
        if wanted:
            await self._quietly(self._to_talk(call, *wanted))
        return call

    @staticmethod
    def _peer_up_ids(channels: Mapping[str, Channel], call: Call) -> set[str | None]:
        leg = call.peer_channel
        return {leg} if leg and leg in channels and channels[leg].state == "Up" else set()
