"""Case lookups by number + phone are rate-limited per case number.

The app shows a citizen's case when the number and the phone match; a masked
number (138****5678) leaves 10,000 candidates, and without a limit the gateway
could try ~115 a second. Wrong phones are counted per case number in Redis: after
``per_case`` within ``window_s`` the case answers 429 to everyone for the rest of
the window (the owner can still call 12345). If Redis is down lookups go on
(logged): citizens' status queries matter more than a window of guessing.
"""

from __future__ import annotations

import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

from core.errors import TooManyAttempts

log = logging.getLogger(__name__)


class LookupLimiter:
    def __init__(self, redis: Redis, prefix: str, *, per_case: int = 5, window_s: int = 3600):
        self.redis = redis
        self.prefix = f"{prefix}:lookups"
        self.per_case = per_case
        self.window_s = window_s

    async def check(self, number: str) -> None:
        key = f"{self.prefix}:{number[:40]}"
        try:
            count = await self.redis.get(key)
            if count is None or int(count) < self.per_case:
                return
            ttl = await self.redis.ttl(key)
        except (RedisError, OSError):
            log.warning("lookup limiter unavailable (redis); allowing the lookup")
            return
        raise TooManyAttempts(
            "查询过于频繁，请稍后再试", details={"retry_after_s": max(int(ttl), 1)}
        )

    async def failed(self, number: str) -> None:
        key = f"{self.prefix}:{number[:40]}"
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.expire(key, self.window_s, nx=True)
                await pipe.execute()
        except (RedisError, OSError):
            log.warning("lookup limiter unavailable (redis); failure not counted")
