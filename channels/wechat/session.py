"""The access token in Redis, shared by every API and worker process.

WeChat issues at most a few thousand tokens a day per account and a new token
makes the previous one expire within minutes, so workers must not each fetch
their own: one fetches under a Redis lock, the others wait and read its token.
"""

from __future__ import annotations

import json
from typing import Any

from redis import Redis
from redis.lock import Lock
from wechatpy.session import SessionStorage

# Tokens live 7200 s; we drop ours a little early so nobody uses one that WeChat
# is about to expire.
EXPIRY_MARGIN_S = 300


class RedisTokenStorage(SessionStorage):  # type: ignore[misc]  # untyped base
    """wechatpy's pluggable session storage on our Redis, under our key prefix.

    (wechatpy's own ``__getitem__`` forgets to return; we fix that here too.)"""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix

    def key(self, key: str) -> str:
        return f"{self.prefix}:wechat:session:{key}"

    def get(self, key: str, default: Any = None) -> Any:
        raw = self.redis.get(self.key(key))
        return default if raw is None else json.loads(raw)

    def set(self, key: str, value: Any, ttl: int | None = None) -> None:
        if value is None:
            return
        if ttl is not None and key.endswith("_access_token"):
            ttl = max(60, int(ttl) - EXPIRY_MARGIN_S)
        self.redis.set(self.key(key), json.dumps(value), ex=ttl)

    def delete(self, key: str) -> None:
        self.redis.delete(self.key(key))

    def __getitem__(self, key: str) -> Any:
        return self.get(key)

    def lock(self, name: str, timeout_s: float) -> Lock:
        lock: Lock = self.redis.lock(
            f"{self.prefix}:wechat:lock:{name}", timeout=timeout_s, blocking_timeout=timeout_s
        )
        return lock
