"""What the set-top-box service needs: a nonce store with expiry (Redis)."""

from __future__ import annotations

from typing import Protocol


class NonceStore(Protocol):
    async def first_use(self, key: str, ttl_s: int) -> bool:
        """True the first time ``key`` is seen within ``ttl_s``; False on a replay."""
        ...
