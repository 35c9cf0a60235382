"""The supervisor seat (班长席): listen (监听), whisper (耳语), barge (强插), force-release
(强拆) and pick up (代接), through ARI, inside the call's session like every command.

The supervisor's own desk phone is a leg of the call (role ``super``). When it answers:

- listen: a snoop on the call taker's phone leg (``spy=both``: caller and call taker)
  and the supervisor's phone share the mixing bridge ``sup-<call>``; nobody on the call
  hears the supervisor;
- whisper: the same snoop with ``whisper=out``: what the supervisor says is heard on
  the call taker's side only;
- barge: the supervisor's phone joins the call's own bridge (three parties).
A mode can be changed while supervising (listen → whisper → barge). Force-release
hangs the call up (the call taker goes to wrap-up); pick-up takes a waiting call, or
one ringing another seat, to the supervisor's seat. Each is a call event (case log)
and the API writes the audit row.
"""

from __future__ import annotations

import contextlib

from telephony.ari.errors import AriConflict
from telephony.ari.events import ChannelDestroyed, Event, StasisEnd, StasisStart
from telephony.calls import dialing
from telephony.calls.commands import Command
from telephony.calls.errors import IllegalCallTransition
from telephony.calls.legs import LegEvents
from telephony.calls.state import Call, CallEvent, CallState, advance, note

E, S = CallEvent, CallState
MODES = ("listen", "whisper", "barge")
SUPERVISE_OPS = frozenset({"supervise", "force_release", "pickup"})


def sup_bridge(channel_id: str) -> str:
    return f"sup-{channel_id}"


class Supervision(LegEvents):
    _spies: dict[str, str]  # call → its current snoop leg (a fresh id per mode change)
    _super_up: set[str]

    def _sup_state(self) -> None:
        if not hasattr(self, "_spies"):
            self._spies, self._super_up = {}, set()

    async def supervise_command(self, call: Call, cmd: Command, actor: str) -> Call:
        self._sup_state()
        now = self.clock()
        if cmd.op == "force_release":
            return await self._hang_up_caller(call, actor)
        if cmd.op == "pickup":
            return await self._pickup(call, cmd, actor)
        mode = str(cmd.args.get("mode", "listen"))
        if mode not in MODES:
            raise IllegalCallTransition(
                f"unknown supervision mode {mode!r}", details={"mode": mode}
            )
        if call.state not in (S.talking, S.conference) or not call.seat_channel:
            raise IllegalCallTransition(
                f"supervise is not allowed in state {call.state.value}",
                details={"channel_id": call.channel_id, "state": call.state},
            )
        if call.super_channel:  # supervising already: another mode
            nxt = note(call, E.supervise_started, now, actor=actor, super_mode=mode)
            if call.channel_id in self._super_up:
                await self._join(nxt)
            return await self._save(nxt)
        seat = str(cmd.args.get("seat", ""))
        target = dialing.seat(self.settings, seat)
        if seat == call.seat:
            raise IllegalCallTransition(
                "the supervisor's seat is the call taker's", details={"seat": seat}
            )
        leg = await self._originate(call, "super", target.endpoint, self.settings.seat_ring_s)
        return await self._save(
            note(
                call, E.supervise_started, now, actor=actor, supervisor=seat,
                super_channel=leg, super_mode=mode,
            )
        )  # fmt: skip

    async def _pickup(self, call: Call, cmd: Command, actor: str) -> Call:
        """代接: a call ringing another seat stops ringing there and rings ours."""
        if call.state is S.ringing_seat and call.direction == "in":
            if call.seat_channel:
                self.legs.pop(call.seat_channel, None)
                await self._quietly(self.ari.hangup(call.seat_channel))
            call = await self._save(
                advance(call, E.seat_failed, self.clock(), seat=None, seat_channel=None,
                        actor=actor)
            )  # fmt: skip
        take = Command(cmd.id, "take", cmd.channel_id, actor, cmd.deadline, dict(cmd.args))
        return await self.command(call, take)

    async def command(self, call: Call | None, cmd: Command) -> Call:
        raise NotImplementedError  # CallTakerService

    async def leg_event(self, call: Call, event: Event) -> Call:
        self._sup_state()
        leg = event.channel_id or ""
        cid = call.channel_id
        if call.super_channel and leg == call.super_channel:
            if isinstance(event, StasisStart):
                self._super_up.add(cid)
                await self._join(call)
            elif isinstance(event, ChannelDestroyed | StasisEnd):
                self.legs.pop(leg, None)
                return await self._super_gone(call)
            return call
        if leg and leg == self._spies.get(cid):
            if isinstance(event, StasisStart):
                await self._quietly(self.ari.add_to_bridge(sup_bridge(cid), leg))
            elif isinstance(event, ChannelDestroyed | StasisEnd):
                self.legs.pop(leg, None)
            return call
        return await super().leg_event(call, event)

    async def _join(self, call: Call) -> None:
        """Put the supervisor's phone where its mode wants it."""
        cid, phone = call.channel_id, call.super_channel
        if phone is None:
            return
        old = self._spies.pop(cid, None)
        if old:
            self.legs.pop(old, None)
            await self._quietly(self.ari.hangup(old))
        if call.super_mode == "barge":
            await self._to_talk(call, phone)
            await self._quietly(self.ari.destroy_bridge(sup_bridge(cid)))
            return
        with contextlib.suppress(AriConflict):
            await self.ari.create_bridge(sup_bridge(cid), "mixing", sup_bridge(cid))
        await self.ari.add_to_bridge(sup_bridge(cid), phone)
        if call.seat_channel:
            spy = dialing.leg_id(cid, "vspy")
            self.legs[spy] = cid
            self._spies[cid] = spy
            await self.ari.snoop(
                call.seat_channel,
                app=self.app,
                spy="both",
                whisper="out" if call.super_mode == "whisper" else "none",
                snoop_id=spy,
                app_args=f"spy,{cid}",
            )

    async def _super_gone(self, call: Call) -> Call:
        cid = call.channel_id
        self._super_up.discard(cid)
        spy = self._spies.pop(cid, None)
        if spy:
            self.legs.pop(spy, None)
            await self._quietly(self.ari.hangup(spy))
        await self._quietly(self.ari.destroy_bridge(sup_bridge(cid)))
        if not call.live:
            return call
        return await self._save(
            note(call, E.supervise_ended, self.clock(), supervisor=None, super_channel=None,
                 super_mode=None)
        )  # fmt: skip

    def forget(self, cid: str) -> None:
        self._sup_state()
        super().forget(cid)
        self._spies.pop(cid, None)
        self._super_up.discard(cid)
