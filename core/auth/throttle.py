"""Login throttling: growing delays per account, a limit per client address.

Guessing a password must be slow, but a wrong password must not lock the owner out
(anyone could lock every call taker out during an emergency by typing their names).
So an account is never locked: after ``free_attempts`` failures each further attempt
must wait ``base_delay_s * 2**(failures - free_attempts)`` (at most ``max_delay_s``)
since the last failure — a few guesses a minute at most, while the owner with the
right password gets in after that wait. A success or an admin's ``unlock`` clears
the count. An address that fails ``per_address`` times in ``window_s`` is refused
for every account. The address is the TCP peer unless a trusted proxy in front
rewrote it (``Settings.forwarded_allow_ips``). If Redis is down the check lets
logins through (logged): a call center locked out of its consoles is worse than a
brute-force window of minutes, and Argon2 still slows guessing.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time

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
        free_attempts: int = 5,
        base_delay_s: float = 1.0,
        max_delay_s: float = 30.0,
        per_address: int = 30,
        window_s: int = 900,
    ) -> None:
        self.redis = redis
        self.prefix = f"{prefix}:login"
        self.free_attempts = free_attempts
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s
        self.per_address = per_address
        self.window_s = window_s

    def _user(self, username: str) -> str:
        return f"{self.prefix}:user:{username.lower()}"

    def _addr(self, address: str) -> str:
        return f"{self.prefix}:addr:{address}"

    def delay_s(self, failures: int) -> float:
        """How long after the last failure the next attempt must wait."""
        over = failures - self.free_attempts
        if over < 0:
            return 0.0
        return float(min(self.base_delay_s * 2 ** min(over, 30), self.max_delay_s))

    async def check(self, username: str, address: str | None) -> None:
        try:
            if address:
                count = await self.redis.get(self._addr(address))
                if count is not None and int(count) >= self.per_address:
                    ttl = await self.redis.ttl(self._addr(address))
                    raise TooManyAttempts(
                        "登录失败次数过多，请稍后再试", details={"retry_after_s": max(int(ttl), 1)}
                    )
            failures, last = await self.redis.hmget(self._user(username), ["n", "last"])
        except RedisError:
            log.warning("login throttle unavailable (redis); allowing the attempt")
            return
        if failures is None or last is None:
            return
        wait = float(last) + self.delay_s(int(failures)) - time.time()
        if wait > 0:
            raise TooManyAttempts(
                "登录失败次数过多，请稍后再试",
                details={"retry_after_s": max(math.ceil(wait), 1)},
            )

    async def failed(self, username: str, address: str | None) -> None:
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                key = self._user(username)
                pipe.hincrby(key, "n", 1)
                pipe.hset(key, "last", repr(time.time()))
                pipe.expire(key, self.window_s)
                if address:
                    pipe.incr(self._addr(address))
                    pipe.expire(self._addr(address), self.window_s, nx=True)
                await pipe.execute()
        except RedisError:
            log.warning("login throttle unavailable (redis); failure not counted")

    async def succeeded(self, username: str) -> None:
        with contextlib.suppress(RedisError):
            await self.redis.delete(self._user(username))

    async def unlock(self, username: str) -> bool:
        """An admin clears an account's failures; True if there were any."""
        return bool(await self.redis.delete(self._user(username)))
