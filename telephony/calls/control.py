"""Call-taker call control: take, hold/resume, blind and attended transfer, three-way
call (三方通话), hang-up and call-backs; the seat and unit legs of every call.

A call has at most three legs besides the citizen's channel, each a channel we
originate with an id we choose (``dialing.leg_id``) and Stasis args ``<role>,<call>``
so its events reach the call's session (``telephony.calls.app``):

- ``seat``: the call taker's phone (PJSIP/seatNN);
- ``peer``: the unit a call is transferred to or conferenced with;
- ``snoop``: a spy on the waiting caller, recorded (ARI cannot record a bridged
  channel).

The conversation happens in the call's own mixing bridge ``call-<channel>``; a caller
on hold, or waiting for a unit to answer, is in the shared holding bridge with the
hold loop. Every method here runs inside the call's session: one event or command at
a time per call, so there is no locking. ``reconcile`` re-establishes all of it after
a reconnect or a restarted process, from the persisted call and ``GET /channels``.
"""

from __future__ import annotations

from telephony.ari.errors import AriError
from telephony.calls import dialing
from telephony.calls.bridging import LEG_ROLES, snoop_id
from telephony.calls.commands import Command
from telephony.calls.errors import IllegalCallTransition, NoSuchCall
from telephony.calls.journal import SYSTEM_ACTOR
from telephony.calls.state import Call, CallEvent, CallState, advance, dial_out
from telephony.calls.supervision import SUPERVISE_OPS, Supervision

__all__ = ["LEG_ROLES", "CallTakerService", "snoop_id"]

E, S = CallEvent, CallState


class CallTakerService(Supervision):
    """Commands from call takers (``telephony.calls.commands``), on top of the leg events
    (``telephony.calls.legs``), the supervisor seat (``telephony.calls.supervision``)
    and the shared bridge work (``telephony.calls.bridging``)."""

    # --- commands -------------------------------------------------------------------
    async def command(self, call: Call | None, cmd: Command) -> Call:
        if cmd.op == "callback":
            return await self.callback(cmd)
        if call is None or not call.live:
            raise NoSuchCall(
                f"no live call {cmd.channel_id}", details={"channel_id": cmd.channel_id}
            )
        actor = cmd.actor or SYSTEM_ACTOR
        now = self.clock()
        op = cmd.op
        if op in SUPERVISE_OPS:  # 班长席 (telephony.calls.supervision)
            return await self.supervise_command(call, cmd, actor)
        if op == "take":
            target = dialing.seat(self.settings, str(cmd.args.get("seat", "")))
            nxt = advance(call, E.take, now, actor=actor, seat=str(cmd.args["seat"]))
            leg = await self._originate(call, "seat", target.endpoint, self.settings.seat_ring_s)
            return await self._save(
                advance(call, E.take, now, actor=actor, seat=nxt.seat, seat_channel=leg)
            )
        if op == "hold":
            nxt = advance(call, E.held, now, actor=actor, bridge_id=self.holding)
            await self._to_holding(call)
            return await self._save(nxt)
        if op == "resume":
            nxt = advance(call, E.resumed, now, actor=actor, bridge_id=call.talk_bridge)
            await self.service.stop_hold_prompt(call)
            await self._to_talk(call, call.channel_id)
            return await self._save(nxt)
        if op == "hangup":
            if not call.live:
                raise IllegalCallTransition("the call has ended", details={"state": call.state})
            return await self._hang_up_caller(call, actor)
        if op == "transfer":
            return await self._transfer(call, cmd, actor, now)
        if op == "transfer_complete":
            nxt = advance(call, E.transfer_completed, now, actor=actor, seat_channel=None)
            return await self._complete(call, nxt)
        if op == "transfer_cancel":
            nxt = advance(
                call,
                E.transfer_cancelled,
                now,
                actor=actor,
                peer_channel=None,
                bridge_id=call.talk_bridge,
            )
            if call.peer_channel:
                self.legs.pop(call.peer_channel, None)
                await self._quietly(self.ari.hangup(call.peer_channel))
            self._peer_up.discard(call.channel_id)
            await self.service.stop_hold_prompt(call)
            await self._to_talk(call, call.channel_id)
            return await self._save(nxt)
        if op == "conference":
            target = dialing.unit(self.settings, str(cmd.args.get("target", "")), call.hotline)
            nxt = advance(
                call,
                E.conference_started,
                now,
                actor=actor,
                peer=str(cmd.args["target"]),
                mode=None,
                bridge_id=call.talk_bridge,
            )
            if call.state is S.on_hold:
                await self.service.stop_hold_prompt(call)
                await self._to_talk(call, call.channel_id)
            self._peer_up.discard(call.channel_id)
            leg = await self._originate(call, "peer", target.endpoint, self.settings.peer_ring_s)
            return await self._save(
                advance(
                    call,
                    E.conference_started,
                    now,
                    actor=actor,
                    peer=nxt.peer,
                    peer_channel=leg,
                    mode=None,
                    bridge_id=call.talk_bridge,
                )
            )
        raise IllegalCallTransition(f"unknown command {op!r}", details={"op": op})

    async def _transfer(self, call: Call, cmd: Command, actor: str, now: float) -> Call:
        mode = str(cmd.args.get("mode", "blind"))
        target_name = str(cmd.args.get("target", ""))
        target = dialing.unit(self.settings, target_name, call.hotline)
        event = E.transfer_blind if mode == "blind" else E.transfer_started
        advance(call, event, now)  # refuse before anything moves
        if call.state is S.talking:
            await self._to_holding(call)
        self._peer_up.discard(call.channel_id)
        leg = await self._originate(call, "peer", target.endpoint, self.settings.peer_ring_s)
        changes: dict[str, object] = {
            "actor": actor,
            "peer": target_name,
            "peer_channel": leg,
            "mode": mode,
            "bridge_id": self.holding,
        }
        if mode == "blind":
            seat_leg = call.seat_channel
            changes["seat_channel"] = None
            if seat_leg:
                self.legs.pop(seat_leg, None)
                await self._quietly(self.ari.hangup(seat_leg))
        return await self._save(advance(call, event, now, **changes))

    async def callback(self, cmd: Command) -> Call:
        """漏接回拨: ring the seat; when the call taker answers, dial the citizen."""
        contact_id = int(cmd.args.get("contact_id", 0))
        seat_name = str(cmd.args.get("seat", ""))
        seat = dialing.seat(self.settings, seat_name)
        found = await self.contacts(contact_id) if self.contacts else None
        if found is None:
            raise NoSuchCall(
                f"no contact {contact_id} to call back",
                error_id="no-such-contact",
                details={"contact_id": contact_id},
            )
        citizen, hotline, case_number = found
        dialing.number(self.settings, citizen)  # refuse a number we cannot dial, now
        cid = cmd.channel_id  # chosen by the app, so the session exists already
        leg = dialing.leg_id(cid, "seat")
        call = dial_out(
            cid,
            hotline,
            citizen,
            self.clock(),
            contact_id=contact_id,
            case_number=case_number,
            seat=seat_name,
            seat_channel=leg,
            actor=cmd.actor or SYSTEM_ACTOR,
        )
        self.legs[leg] = cid
        try:
            await self.ari.originate(
                seat.endpoint,
                app=self.app,
                app_args=f"seat,{cid}",
                caller_id=f'"回拨" <{citizen}>',
                timeout_s=self.settings.seat_ring_s,
                channel_id=leg,
            )
        except AriError:
            self.legs.pop(leg, None)
            raise
        return await self._save(call)
