"""The call takers' priority work queue: a Redis sorted set plus one hash per item.

Redis holds only a fast index; the ``cases.queued`` column is the truth, and the
janitor re-adds anything the sorted set lost (see ``Janitor.reconcile``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from redis.asyncio import Redis

from core.queue.priority import Rank, score


@dataclass(frozen=True, slots=True)
class QueueItem:
    case_number: str
    channel: str
    hotline: str | None
    category: str | None
    subtype: str | None
    priority: int
    emergency: bool
    live: bool
    summary: str
    township: str | None
    enqueued_at: float

    @property
    def rank(self) -> Rank:
        return Rank(self.priority, self.emergency, self.live, self.channel == "stb_alarm")


class WorkQueue:
    def __init__(self, redis: Redis, *, prefix: str, aging_step_s: float) -> None:
        self.redis = redis
        self.key = f"{prefix}:workq"
        self.item_prefix = f"{prefix}:workq:item:"
        self.aging_step_s = aging_step_s

    async def add(self, item: QueueItem) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(
                self.item_prefix + item.case_number, json.dumps(asdict(item), ensure_ascii=False)
            )
            pipe.zadd(
                self.key, {item.case_number: score(item.rank, item.enqueued_at, self.aging_step_s)}
            )
            await pipe.execute()

    async def remove(self, case_number: str) -> bool:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zrem(self.key, case_number)
            pipe.delete(self.item_prefix + case_number)
            removed, _ = await pipe.execute()
        return bool(removed)

    async def take(self, case_number: str) -> bool:
        """Remove one item if still queued; False if another call taker took it first."""
        return bool(await self.redis.zrem(self.key, case_number))

    async def next_numbers(self, limit: int) -> list[str]:
        raw = await self.redis.zrange(self.key, 0, limit - 1)
        return [r.decode() if isinstance(r, bytes) else str(r) for r in raw]

    async def list(self, limit: int = 200) -> list[QueueItem]:
        numbers = await self.next_numbers(limit)
        if not numbers:
            return []
        raw = await self.redis.mget([self.item_prefix + n for n in numbers])
        items: list[QueueItem] = []
        for blob in raw:
            if blob is not None:
                data: dict[str, Any] = json.loads(blob)
                items.append(QueueItem(**data))
        return items

    async def members(self) -> set[str]:
        raw = await self.redis.zrange(self.key, 0, -1)
        return {r.decode() if isinstance(r, bytes) else str(r) for r in raw}

    async def size(self) -> int:
        return int(await self.redis.zcard(self.key))
