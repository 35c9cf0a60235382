"""Small protocols the domain depends on instead of Redis itself."""

from __future__ import annotations

from typing import Any, Protocol


class Publisher(Protocol):
    async def publish(self, outbox_id: int, topic: str, payload: dict[str, Any]) -> bool:
        """Best-effort publish after commit; False means the relay will retry."""
        ...

    async def publish_many(self, entries: list[tuple[int, str, dict[str, Any]]]) -> bool:
        """The same for a batch, in one round trip."""
        ...
