"""Call state per channel in Redis, so a restarted process can adopt live calls, and
every persisted change published as an event.

    {prefix}:tel:call:{channel_id}   hash   Call.to_record(); expires ttl_s after
                                            its last change
    {prefix}:tel:live                set    channel ids of calls not yet terminal
    {prefix}:tel:events              stream one entry per persisted change (XADD,
                                            approximate MAXLEN); see events_fields
    {prefix}:tel:hold:{channel_id}   string the caller's current hold-loop playback id,
                                            so a restarted process can stop it

All three are written in one MULTI/EXEC, so the set never names a call whose hash
says it ended, and no consumer of the stream sees a state the hash does not hold.
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis

from telephony.calls.state import Call

EVENTS_MAXLEN = 10_000
HOLD_TTL_S = 3600  # refreshed every hold round (about 30 s)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def events_key(prefix: str) -> str:
    return f"{prefix}:tel:events"


def event_fields(call: Call) -> dict[str, str]:
    """The ``{prefix}:tel:events`` entry of a persisted change: flat strings, empty
    when unknown (the ASR and desktop consumers read these fields)."""
    return {
        "channel_id": call.channel_id,
        "contact_id": "" if call.contact_id is None else str(call.contact_id),
        "case_number": call.case_number or "",
        "hotline": call.hotline,
        "caller": call.caller,
        "state": call.state.value,
        "event": call.event,
        "seat": call.seat or "",
        "peer": call.peer or "",
        "direction": call.direction,
        "at": f"{call.updated_at:.3f}",
    }


class RedisCallStore:
    def __init__(self, redis: Redis, *, prefix: str, ttl_s: int) -> None:
        self.redis = redis
        self.prefix = prefix
        self.ttl_s = ttl_s

    def _key(self, channel_id: str) -> str:
        return f"{self.prefix}:tel:call:{channel_id}"

    @property
    def _live_key(self) -> str:
        return f"{self.prefix}:tel:live"

    @property
    def events_key(self) -> str:
        return events_key(self.prefix)

    async def save(self, call: Call) -> None:
        key = self._key(call.channel_id)
        async with self.redis.pipeline(transaction=True) as p:
            p.delete(key)  # fields that became None must not linger
            record: dict[Any, Any] = call.to_record()  # redis' Mapping key type is invariant
            p.hset(key, mapping=record)
            p.expire(key, self.ttl_s)
            if call.live:
                p.sadd(self._live_key, call.channel_id)
            else:
                p.srem(self._live_key, call.channel_id)
            entry: dict[Any, Any] = event_fields(call)
            p.xadd(self.events_key, entry, maxlen=EVENTS_MAXLEN, approximate=True)
            await p.execute()

    async def get(self, channel_id: str) -> Call | None:
        raw = await self.redis.hgetall(self._key(channel_id))
        if not raw:
            return None
        return Call.from_record({_text(k): _text(v) for k, v in raw.items()})

    async def asterisk_restarted(self, startup_time: str) -> bool:
        """Record the start time ARI reports (``GET /asterisk/info`` status.startup_time);
        True when another one was recorded before: Asterisk restarted, so every channel
        it carried is gone, however the calls ended up looking to us."""
        key = f"{self.prefix}:tel:asterisk_started"
        previous = await self.redis.set(key, startup_time, get=True)
        return previous is not None and _text(previous) != startup_time

    async def live(self) -> list[Call]:
        ids = sorted(_text(i) for i in await self.redis.smembers(self._live_key))
        # One round trip for all of them: the distributor reads this on every pass.
        async with self.redis.pipeline(transaction=False) as p:
            for channel_id in ids:
                p.hgetall(self._key(channel_id))
            raws = await p.execute()
        calls = []
        for channel_id, raw in zip(ids, raws, strict=True):
            if not raw:  # expired: forget it
                await self.redis.srem(self._live_key, channel_id)
                continue
            call = Call.from_record({_text(k): _text(v) for k, v in raw.items()})
            if call.live:
                calls.append(call)
        return calls

    # --- the hold loop's current round (telephony.calls.service) ----------------------
    async def remember_hold(self, channel_id: str, playback_id: str) -> None:
        await self.redis.set(f"{self.prefix}:tel:hold:{channel_id}", playback_id, ex=HOLD_TTL_S)

    async def hold_of(self, channel_id: str) -> str | None:
        raw = await self.redis.get(f"{self.prefix}:tel:hold:{channel_id}")
        return None if raw is None else _text(raw)
