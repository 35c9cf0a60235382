"""Automatic call distribution (ACD): every waiting call rings a ready seat that takes
its hotline, by itself.

Overflow: a call waiting ``acd_overflow_s`` (60 s) or longer may ring a ready seat
without its hotline's skill when none with it is free.

Order: emergencies first, then priority (the case's, from the work queue's item once
the intake worker classified it), then the longest waiting; among the seats that take
the hotline, the one idle longest. A call is offerable from the greeting on: a free
seat rings while the caller still hears the greeting.

Never one call on two seats, never a seat offered two calls:
- the seat is claimed first (compare-and-set ready → on_call in Redis);
- the offer is the call's own ``take`` command, run in the call's session like a call
  taker's: a call already ringing a seat refuses it (illegal-call-transition), and the
  claim is given back;
- an offer in flight is remembered, so the next pass does not send it again.
Ring-no-answer (``seat_ring_s``) is the seat leg failing: the seat goes 示忙 "未接"
(``SeatService.on_call``) and the next pass offers the call to the next seat. After a
restart the seats and calls are in Redis; ``SeatService.sweep`` frees a seat whose
offer never reached its call.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from telephony.calls.commands import Command
from telephony.calls.errors import IllegalCallTransition, NoSuchCall
from telephony.calls.ports import CallStore
from telephony.calls.state import Call, CallState
from telephony.seats.models import Seat, SeatAction, SeatState
from telephony.seats.service import SeatService

log = logging.getLogger(__name__)

ACTOR = "system:acd"
OFFERABLE = frozenset({CallState.greeting, CallState.queued})
# (not an emergency, priority, arrived): smaller rings first
Rank = tuple[int, int, float]
Ranker = Callable[[list[Call]], Awaitable[dict[str, tuple[bool, int]]]]
Offer = Callable[[Command], Awaitable[dict[str, Any]]]


def order_calls(calls: list[Call], ranks: dict[str, tuple[bool, int]]) -> list[Call]:
    def key(call: Call) -> Rank:
        emergency, priority = ranks.get(call.channel_id, (False, 3))
        return (0 if emergency else 1, priority, call.arrived_at)

    return sorted(calls, key=key)


def pick_seat(
    call: Call, seats: list[Seat], *, now: float = 0.0, overflow_s: int = 0
) -> Seat | None:
    """The ready seat idle longest that takes the call's hotline. Overflow: a call
    waiting ``overflow_s`` or longer may go to any ready seat (a 12345 caller to a 110
    call taker) when no seat with the skill is free."""
    ready = [s for s in seats if s.state is SeatState.ready]
    fit = [s for s in ready if s.takes(call.hotline)]
    if not fit and overflow_s and now - call.arrived_at >= overflow_s:
        fit = ready
    return min(fit, key=lambda s: s.idle_since) if fit else None


class Distributor:
    def __init__(
        self,
        seats: SeatService,
        calls: CallStore,
        offer: Offer,
        rank: Ranker,
        spawn: Callable[[Any, str], object],
        *,
        tick_s: float = 1.0,
        overflow_s: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.seats = seats
        self.calls = calls
        self.offer = offer
        self.rank = rank
        self.spawn = spawn
        self.tick_s = tick_s
        self.overflow_s = overflow_s
        self.clock = clock
        self._wake = asyncio.Event()
        self._inflight: set[str] = set()
        self._housekept = 0.0
        seats.changed = self.poke

    def poke(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while True:
            # asyncio.timeout, not wait_for: Python 3.11's wait_for can swallow the
            # task's cancellation when the event is set at that moment (the app's
            # shutdown then never ends).
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.tick_s):
                    await self._wake.wait()
            self._wake.clear()
            try:
                await self.distribute()
            except Exception:  # Redis away for a moment: the next tick tries again
                log.exception("distribution pass failed")

    async def distribute(self) -> None:
        now = self.clock()
        live = {c.channel_id: c for c in await self.calls.live()}
        if now - self._housekept >= self.tick_s:
            # Wrap-up timers and stuck seats need no more than the tick; the passes a
            # call's arrival triggers only match calls and seats.
            self._housekept = now
            await self.seats.end_wrap_ups()
            await self.seats.sweep(live)
        waiting = [
            c
            for c in live.values()
            if c.direction == "in"
            and c.state in OFFERABLE
            and c.seat is None
            and c.channel_id not in self._inflight
        ]
        if not waiting:
            return
        free = [s for s in await self.seats.store.all() if s.state is SeatState.ready]
        if not free:
            return
        for call in order_calls(waiting, await self.rank(waiting)):
            seat = pick_seat(call, free, now=now, overflow_s=self.overflow_s)
            if seat is None:
                continue
            free.remove(seat)
            if not await self.seats.claim(seat.name, call.channel_id):
                continue  # the call taker went 示忙 meanwhile
            self._inflight.add(call.channel_id)
            self.spawn(self._offer(call, seat.name), f"offer-{call.channel_id}")

    async def _offer(self, call: Call, seat: str) -> None:
        cmd = Command(
            id=uuid.uuid4().hex,
            op="take",
            channel_id=call.channel_id,
            actor=ACTOR,
            deadline=self.clock() + 5,
            args={"seat": seat},
        )
        try:
            await self.offer(cmd)
        except (IllegalCallTransition, NoSuchCall):
            # Taken by hand, or gone, between the pass and the offer: seat free again.
            await self.seats.release(seat, call.channel_id, SeatAction.cancelled)
        except Exception as exc:
            # The phone could not be rung (unreachable, ARI refused): 示忙, not a loop
            # of failed offers every tick.
            log.warning("offer failed", extra={"seat": seat, "error": repr(exc)})
            await self.seats.release(seat, call.channel_id, SeatAction.rona, "话机不可达")
        finally:
            self._inflight.discard(call.channel_id)
            self.poke()
