"""Redis for delivery: the wake-up stream (a consumer group, like intake's) and the
fixed-window rate limiter. The database stays the truth: a lost entry only delays a
message until the next sweep."""

from __future__ import annotations

import time

from redis.asyncio import Redis

from core.queue.streams import RedisStreams

TOPIC = "delivery"


class DeliveryStreams(RedisStreams):
    """``{prefix}:delivery`` with its own group and dead-letter stream; an entry's
    ``outbox_id`` is the delivery's id."""

    def __init__(self, redis: Redis, *, prefix: str, maxlen: int) -> None:
        super().__init__(redis, prefix=prefix, group="delivery-workers", maxlen=maxlen)
        self.stream = f"{prefix}:delivery"
        self.dead = f"{prefix}:delivery:dead"


class StreamWaker:
    def __init__(self, streams: DeliveryStreams) -> None:
        self.streams = streams

    async def wake(self, delivery_ids: list[int]) -> None:
        await self.streams.publish_many([(i, TOPIC, {}) for i in delivery_ids])


class RedisRateLimiter:
    """Fixed windows: INCR a counter named after the window, EXPIRE it with the
    window. Shared by every worker, so the limit holds across processes."""

    def __init__(self, redis: Redis, *, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix

    async def wait_s(self, scope: str, ident: str, limit: int, window_s: int) -> float:
        now = time.time()
        window = int(now // window_s)
        key = f"{self.prefix}:dl:rl:{scope}:{ident}:{window}"
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, window_s + 1)
            count, _ = await pipe.execute()
        if int(count) <= limit:
            return 0.0
        return (window + 1) * window_s - now
