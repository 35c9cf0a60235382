"""Call state per channel in Redis, so a restarted process can adopt live calls.

    {prefix}:tel:call:{channel_id}   hash   Call.to_record(); expires ttl_s after
                                            its last change
    {prefix}:tel:live                set    channel ids of calls not yet terminal

Both are written in one MULTI/EXEC, so the set never names a call whose hash says
it ended.
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis

from telephony.state import Call


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


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
            await p.execute()

    async def get(self, channel_id: str) -> Call | None:
        raw = await self.redis.hgetall(self._key(channel_id))
        if not raw:
            return None
        return Call.from_record({_text(k): _text(v) for k, v in raw.items()})

    async def live(self) -> list[Call]:
        ids = sorted(_text(i) for i in await self.redis.smembers(self._live_key))
        calls = []
        for channel_id in ids:
            call = await self.get(channel_id)
            if call is None:  # expired: forget it
                await self.redis.srem(self._live_key, channel_id)
            elif call.live:
                calls.append(call)
        return calls
