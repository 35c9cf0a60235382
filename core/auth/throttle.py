"""Login throttling per account and per client address (fixed windows in Redis).

Guessing a password must be slow: after ``per_account`` failures in ``window_s``
an account refuses further attempts until the window ends, and an address that
fails ``per_address`` times is refused for every account. If Redis is down the
check lets logins through (logged): a call center locked out of its consoles
is worse than a brute-force window of minutes, and Argon2 still slows guessing.
"""

from __future__ import annotations

import contextlib
import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

from core.errors import TooManyAttempts

log = logging.getLogger(__name__)


class LoginThrottle:
    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str,
        per_account: int = 5,
        per_address: int = 30,
        window_s: int = 900,
    ) -> None:
        self.redis = redis
        self.prefix = f"{prefix}:login"
        self.per_account = per_account
        self.per_address = per_address
        self.window_s = window_s

    def _keys(self, username: str, address: str | None) -> list[tuple[str, int]]:
        keys = [(f"{self.prefix}:user:{username.lower()}", self.per_account)]
        if address:
            keys.append((f"{self.prefix}:addr:{address}", self.per_address))
        return keys

    async def check(self, username: str, address: str | None) -> None:
        try:
            for key, limit in self._keys(username, address):
                count = await self.redis.get(key)
                if count is not None and int(count) >= limit:
                    ttl = await self.redis.ttl(key)
                    raise TooManyAttempts(
                        "登录失败次数过多，请稍后再试", details={"retry_after_s": max(int(ttl), 1)}
                    )
        except RedisError:
            log.warning("login throttle unavailable (redis); allowing the attempt")

    async def failed(self, username: str, address: str | None) -> None:
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                for key, _limit in self._keys(username, address):
                    pipe.incr(key)
                    pipe.expire(key, self.window_s, nx=True)
                await pipe.execute()
        except RedisError:
            log.warning("login throttle unavailable (redis); failure not counted")

    async def succeeded(self, username: str) -> None:
        with contextlib.suppress(RedisError):
            await self.redis.delete(f"{self.prefix}:user:{username.lower()}")
