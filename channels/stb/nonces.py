"""Nonces in Redis: SET NX with expiry is atomic across every API process."""

from __future__ import annotations

from redis.asyncio import Redis


class RedisNonceStore:
    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix

    async def first_use(self, key: str, ttl_s: int) -> bool:
        return bool(await self.redis.set(f"{self.prefix}:nonce:{key}", b"1", nx=True, ex=ttl_s))
