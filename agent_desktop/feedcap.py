"""At most ``feed_max_per_user`` live feeds (SSE) per user at once.

Each feed holds a connection and polls Redis every 100 ms; one stolen or scripted
login opening hundreds would starve the consoles. The count lives in Redis (every
API worker sees it); its expiry, renewed on each open, bounds how long a slot a
killed process never released stays taken.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import anyio
from redis.asyncio import Redis
from redis.exceptions import RedisError

from core.errors import TooManyAttempts


class FeedSlots:
    def __init__(self, redis: Redis, prefix: str, per_user: int, ttl_s: int) -> None:
        self.redis = redis
        self.prefix = f"{prefix}:desk:feeds"
        self.per_user = per_user
        self.ttl_s = ttl_s

    async def acquire(self, user_id: int) -> str:
        key = f"{self.prefix}:{user_id}"
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.expire(key, self.ttl_s)
                count, _ = await pipe.execute()
        except (RedisError, OSError):
            return ""  # the feed itself needs Redis and will say it is unavailable
        if int(count) > self.per_user:
            await self.release(key)
            raise TooManyAttempts(
                "实时推送连接过多，请关闭其他窗口",
                error_id="too-many-feeds",
                details={"limit": self.per_user, "retry_after_s": 5},
            )
        return key

    async def release(self, key: str) -> None:
        if key:
            with contextlib.suppress(RedisError, OSError):
                await self.redis.decr(key)

    async def held(self, key: str, stream: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        """``stream``, giving the slot back however it ends (client gone included)."""
        try:
            async for chunk in stream:
                yield chunk
        finally:
            # On a client disconnect Starlette cancels the stream: shielded, or the
            # release itself would be cancelled at its first await.
            with anyio.CancelScope(shield=True):
                await self.release(key)
