"""Seat presence in the telephony process: the call takers' state changes (a command
from the API), what calls do to seats (offered, ring-no-answer, answered, released),
wrap-up timers and the outcome row of every hotline call.

Call events come in through ``call_saved`` (the call service's ``saved`` hook) and
are handled in order by ``run``; every seat change is a compare-and-set in Redis
(``telephony.seats.store``) and a ``seat_events`` row.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy.exc import IntegrityError

from core.storage.engine import Database
from telephony.ari.errors import AriError
from telephony.calls import dialing
from telephony.calls.commands import Command
from telephony.calls.journal import SYSTEM_ACTOR
from telephony.calls.state import Call, CallEvent, CallState
from telephony.seats.errors import SeatHeld, SeatNotRegistered, SignedInElsewhere
from telephony.seats.models import RONA_REASON, Seat, SeatAction, SeatState, advance
from telephony.seats.store import RedisSeatStore, Step
from telephony.seats.tables import CallOutcomeRow, SeatEventRow
from telephony.settings import TelephonySettings

log = logging.getLogger(__name__)

A, S, E = SeatAction, SeatState, CallEvent
# The seat's part of the call is over (it hung up, transferred, or the caller left).
_SEAT_LEAVES = frozenset(
    {E.hung_up, E.transfer_blind, E.transfer_completed, E.seat_left, E.handed_to_fallback}
)


class Endpoints(Protocol):
    async def endpoint(self, tech: str, resource: str) -> dict[str, Any]: ...


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


class SeatService:
    def __init__(
        self,
        store: RedisSeatStore,
        endpoints: Endpoints,
        db: Database,
        settings: TelephonySettings,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.endpoints = endpoints
        self.db = db
        self.settings = settings
        self.clock = clock
        self.changed: Callable[[], None] = lambda: None  # the distributor's poke
        self._calls: asyncio.Queue[Call] = asyncio.Queue()

    # --- a call taker's command --------------------------------------------------------
    async def command(self, cmd: Command) -> dict[str, Any]:
        """``seat_state`` from the API (``telephony.seats.api``): the reply is the seat."""
        a = cmd.args
        seat = await self.set_state(
            str(a.get("seat", "")),
            user=cmd.actor,
            user_id=int(a.get("user_id", 0)),
            state=str(a.get("state", "")),
            reason=str(a.get("reason") or ""),
            hotlines=[str(h) for h in a.get("hotlines") or ()],
            level=int(a.get("level", 1)),
        )
        self.changed()
        return {"ok": True, "seat": seat.to_record()}

    async def set_state(
        self,
        name: str,
        *,
        user: str,
        user_id: int,
        state: str,
        reason: str = "",
        hotlines: Sequence[str] = (),
        level: int = 1,
    ) -> Seat:
        """就绪 / 示忙 / 签出 for ``user`` at seat ``name``; signs in first when needed.
        Refused (nothing changed): unknown seat, a seat another user holds, a user
        signed in at another seat, 就绪 without a registered phone."""
        dialing.seat(self.settings, name)  # 422 unknown-seat
        target = SeatState(state)
        if target is not S.signed_out:
            for other in await self.store.all():
                if other.user == user and other.name != name and other.signed_in:
                    raise SignedInElsewhere(
                        f"{user} 已在坐席 {other.name} 签入",
                        details={"seat": name, "signed_in_at": other.name},
                    )
        if target is S.ready:
            await self._check_registered(name)
        now = self.clock()

        def decide(seat: Seat) -> list[Step]:
            if seat.signed_in and seat.user != user:
                raise SeatHeld(
                    f"坐席 {name} 已由其他接警员签入", details={"seat": name, "held": True}
                )
            steps: list[Step] = []
            if target is S.signed_out:
                return [] if not seat.signed_in else [(A.sign_out, advance(seat, A.sign_out, now))]
            if not seat.signed_in:
                seat = advance(
                    seat, A.sign_in, now, user=user, user_id=user_id,
                    hotlines=tuple(hotlines), level=level,
                )  # fmt: skip
                steps.append((A.sign_in, seat))
            if target is S.ready and seat.state is not S.ready:
                steps.append((A.set_ready, advance(seat, A.set_ready, now)))
            elif target is S.not_ready and (seat.state is not S.not_ready or seat.reason != reason):
                steps.append(
                    (A.set_not_ready, advance(seat, A.set_not_ready, now, reason=reason or "示忙"))
                )
            return steps

        steps = await self.store.change(name, decide)
        await self._record(steps)
        return steps[-1][1] if steps else await self.store.get(name)

    async def _check_registered(self, name: str) -> None:
        try:
            ep = await self.endpoints.endpoint("PJSIP", name)
        except AriError as exc:
            raise SeatNotRegistered(
                f"坐席 {name} 的话机未注册", details={"seat": name, "ari": exc.message}
            ) from exc
        if ep.get("state") != "online":
            raise SeatNotRegistered(
                f"坐席 {name} 的话机未注册", details={"seat": name, "endpoint": ep.get("state")}
            )

    # --- the distributor's side ------------------------------------------------------------
    async def claim(self, name: str, channel_id: str) -> bool:
        """ready → on_call for this call, if the seat is still ready (compare-and-set)."""
        now = self.clock()

        def decide(seat: Seat) -> list[Step]:
            if seat.state is not S.ready:
                return []
            return [(A.offer, advance(seat, A.offer, now, call=channel_id, auto=True))]

        steps = await self.store.change(name, decide)
        await self._record(steps)
        return bool(steps)

    async def release(
        self, name: str, channel_id: str, action: SeatAction, reason: str = ""
    ) -> None:
        """End the seat's part in ``channel_id`` (no-op when the seat moved on)."""
        now = self.clock()
        until = now + self.settings.wrap_up_s

        def decide(seat: Seat) -> list[Step]:
            if seat.state is not S.on_call or seat.call != channel_id:
                return []
            extra: dict[str, Any] = {"reason": reason} if action is A.rona else {}
            if action is A.released:
                extra["until"] = until
            return [(action, advance(seat, action, now, **extra))]

        steps = await self.store.change(name, decide)
        await self._record(steps)
        if steps:
            self.changed()

    async def end_wrap_ups(self) -> None:
        now = self.clock()
        for seat in await self.store.all():
            if seat.state is S.wrap_up and seat.until <= now:

                def decide(s: Seat) -> list[Step]:
                    if s.state is not S.wrap_up or s.until > now:
                        return []
                    return [(A.wrap_up_ended, advance(s, A.wrap_up_ended, now))]

                await self._record(await self.store.change(seat.name, decide))

    async def sweep(self, live: dict[str, Call]) -> None:
        """Seats left on a call that is over or never reached them (a process killed
        between the claim and the ring): freed, so no seat is stuck."""
        now = self.clock()
        for seat in await self.store.all():
            if seat.state is not S.on_call or now - seat.since < 3:
                continue
            call = live.get(seat.call)
            if call is None:
                info = await self.store.call_info(seat.call)
                action = A.released if info.get("answered_at") else A.cancelled
                await self.release(seat.name, seat.call, action)
            elif call.seat != seat.name:
                await self.release(seat.name, seat.call, A.cancelled)

    # --- what calls do to seats -------------------------------------------------------
    def call_saved(self, call: Call) -> None:
        self._calls.put_nowait(call)
        if call.state in (CallState.greeting, CallState.queued):
            self.changed()  # offerable now; a seat freed pokes through release()

    async def run(self) -> None:
        while True:
            call = await self._calls.get()
            try:
                await self.on_call(call)
            except Exception:
                log.exception("seat not updated for a call event", extra={"call": call.channel_id})

    async def on_call(self, call: Call) -> None:
        cid, event = call.channel_id, call.event
        now = self.clock()
        if event == E.take.value and call.seat:
            await self.store.note_call(cid, seat=call.seat, offered_at=f"{now:.3f}")
            seat = await self.store.get(call.seat)
            if seat.state is S.ready:  # a call taker pulled this call to a ready seat

                def decide(s: Seat) -> list[Step]:
                    if s.state is not S.ready:
                        return []
                    return [(A.offer, advance(s, A.offer, now, call=cid, auto=False))]

                await self._record(await self.store.change(seat.name, decide))
            return
        if event in (E.seat_answered.value, E.callback_seat_answered.value):
            info = await self.store.call_info(cid)
            user = (await self.store.get(call.seat)).user if call.seat else ""
            await self.store.note_call(
                cid, seat=call.seat or info.get("seat", ""), user=user, answered_at=f"{now:.3f}"
            )
            return
        if event == E.seat_failed.value:
            holder = await self._holder(cid)
            if holder is not None:
                # Only a phone that rang out is 未接; a supervisor's 代接 is not the seat's fault.
                if holder.auto and call.actor == SYSTEM_ACTOR:
                    await self.release(holder.name, cid, A.rona, RONA_REASON)
                else:
                    await self.release(holder.name, cid, A.cancelled)
            return
        if event in _SEAT_LEAVES:
            info = await self.store.call_info(cid)
            holder = await self._holder(cid)
            if holder is not None:
                answered = bool(info.get("answered_at"))
                await self.release(holder.name, cid, A.released if answered else A.cancelled)
                if answered and not info.get("released_at"):
                    await self.store.note_call(cid, released_at=f"{now:.3f}")
                    info["released_at"] = f"{now:.3f}"
            if event == E.hung_up.value and call.direction == "in":
                await self._outcome(call, info, now)

    async def _holder(self, channel_id: str) -> Seat | None:
        for seat in await self.store.all():
            if seat.state is S.on_call and seat.call == channel_id:
                return seat
        return None

    # --- the database ---------------------------------------------------------------
    async def _record(self, steps: Sequence[Step]) -> None:
        if not steps:
            return
        async with self.db.session() as s:
            for action, seat in steps:
                s.add(
                    SeatEventRow(
                        seat=seat.name,
                        username=seat.user or "",
                        state=seat.state.value,
                        action=action.value,
                        reason=seat.reason,
                        call=seat.call,
                        at=_utc(seat.since),
                    )
                )

    async def _outcome(self, call: Call, info: dict[str, str], now: float) -> None:
        def ts(name: str) -> datetime | None:
            raw = info.get(name)
            return _utc(float(raw)) if raw else None

        row = CallOutcomeRow(
            channel_id=call.channel_id,
            hotline=call.hotline,
            arrived_at=_utc(call.arrived_at),
            answered_at=ts("answered_at"),
            released_at=ts("released_at"),
            ended_at=_utc(now),
            seat=info.get("seat") or None,
            username=info.get("user") or None,
        )
        with contextlib.suppress(IntegrityError):  # the same hang-up seen twice
            async with self.db.session() as s:
                s.add(row)
        await self.store.forget_call(call.channel_id)
