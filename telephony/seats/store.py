"""Seat presence in Redis: one hash per seat, changed only by optimistic transactions,
each change also an entry on the call events stream.

    {prefix}:seat:{seat}        hash  Seat.to_record()
    {prefix}:acd:call:{call}    hash  seat, user, answered_at, released_at of one call
                                      (for its outcome row when it ends; 1 day TTL)
    {prefix}:tel:events         stream  kind=seat entries (seat, state, event, reason,
                                        user, at; channel_id empty so call consumers skip it)

Two processes change seats: the API (through the telephony process's command, so in
fact one) and the distributor. WATCH/MULTI makes every change a compare-and-set: a
seat is never offered two calls, and a call taker's 示忙 never overwrites an offer
that happened a millisecond earlier - the loser re-reads and decides again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import WatchError

from telephony.calls.store import EVENTS_MAXLEN, events_key
from telephony.seats.models import Seat, SeatAction

Step = tuple[SeatAction, Seat]
Decide = Callable[[Seat], Sequence[Step]]
CALL_INFO_TTL_S = 24 * 3600


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def seat_event(action: SeatAction, seat: Seat) -> dict[str, str]:
    return {
        "kind": "seat",
        "channel_id": "",
        "seat": seat.name,
        "state": seat.state.value,
        "event": action.value,
        "reason": seat.reason,
        "user": seat.user,
        "call": seat.call,
        "at": f"{seat.since:.3f}",
    }


class RedisSeatStore:
    def __init__(self, redis: Redis, *, prefix: str, seats: Sequence[str]) -> None:
        self.redis = redis
        self.prefix = prefix
        self.names = list(seats)

    def key(self, name: str) -> str:
        return f"{self.prefix}:seat:{name}"

    def call_key(self, channel_id: str) -> str:
        return f"{self.prefix}:acd:call:{channel_id}"

    async def get(self, name: str) -> Seat:
        raw = await self.redis.hgetall(self.key(name))
        return Seat.from_record(name, {_text(k): _text(v) for k, v in raw.items()})

    async def all(self) -> list[Seat]:
        async with self.redis.pipeline(transaction=False) as p:
            for name in self.names:
                p.hgetall(self.key(name))
            raws = await p.execute()
        return [
            Seat.from_record(name, {_text(k): _text(v) for k, v in raw.items()})
            for name, raw in zip(self.names, raws, strict=True)
        ]

    async def change(self, name: str, decide: Decide) -> list[Step]:
        """Compare-and-set: ``decide`` sees the seat as stored and returns the steps to
        apply (none: nothing to do; it may raise to refuse). Retried on a concurrent
        change, so ``decide`` must be pure."""
        key = self.key(name)
        async with self.redis.pipeline(transaction=True) as p:
            while True:
                try:
                    await p.watch(key)
                    raw = await p.hgetall(key)
                    seat = Seat.from_record(name, {_text(k): _text(v) for k, v in raw.items()})
                    steps = list(decide(seat))
                    if not steps:
                        await p.unwatch()  # type: ignore[no-untyped-call]
                        return []
                    p.multi()  # type: ignore[no-untyped-call]
                    p.delete(key)
                    record: dict[Any, Any] = steps[-1][1].to_record()
                    p.hset(key, mapping=record)
                    for action, after in steps:
                        entry: dict[Any, Any] = seat_event(action, after)
                        p.xadd(
                            events_key(self.prefix), entry, maxlen=EVENTS_MAXLEN, approximate=True
                        )
                    await p.execute()
                    return steps
                except WatchError:
                    continue

    # --- one call's seat facts, for its outcome row -----------------------------------
    async def note_call(self, channel_id: str, **values: str) -> None:
        key = self.call_key(channel_id)
        async with self.redis.pipeline(transaction=True) as p:
            mapping: dict[Any, Any] = dict(values)
            p.hset(key, mapping=mapping)
            p.expire(key, CALL_INFO_TTL_S)
            await p.execute()

    async def call_info(self, channel_id: str) -> dict[str, str]:
        raw = await self.redis.hgetall(self.call_key(channel_id))
        return {_text(k): _text(v) for k, v in raw.items()}

    async def forget_call(self, channel_id: str) -> None:
        await self.redis.delete(self.call_key(channel_id))
