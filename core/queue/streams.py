"""Redis Streams with consumer groups: the durable intake transport.

Protocol facts relied on here (Redis >= 6.2):
- XREADGROUP with ``>`` delivers entries never delivered to the group; each
  delivered entry stays in the group's pending list (PEL) until XACK.
- XAUTOCLAIM transfers PEL entries idle longer than ``min-idle-time`` to the
  caller and increments their delivery count; entries deleted from the stream
  meanwhile are returned in its third element and dropped from the PEL.
- XPENDING's extended form reports each entry's delivery count.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from core.errors import Unavailable


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    topic: str
    outbox_id: int
    payload: dict[str, Any]
    deliveries: int = 1


def _decode(entry_id: bytes | str, fields: dict[Any, Any]) -> Entry:
    f = {
        (k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
        for k, v in fields.items()
    }
    return Entry(
        id=entry_id.decode() if isinstance(entry_id, bytes) else entry_id,
        topic=f.get("topic", ""),
        outbox_id=int(f.get("outbox_id", "0")),
        payload=json.loads(f.get("payload", "{}")),
    )


class RedisStreams:
    """One intake stream, its consumer group and its dead-letter stream."""

    def __init__(self, redis: Redis, *, prefix: str, group: str, maxlen: int) -> None:
        self.redis = redis
        self.stream = f"{prefix}:intake"
        self.dead = f"{prefix}:intake:dead"
        self.group = group
        self.maxlen = maxlen

    def decode(self, entry_id: bytes | str, fields: dict[Any, Any]) -> Entry:
        """One stream entry as an :class:`Entry`; streams of another shape override it."""
        return _decode(entry_id, fields)

    async def ensure_group(self) -> None:
        try:
            await self.redis.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def publish(self, outbox_id: int, topic: str, payload: dict[str, Any]) -> str:
        fields = {
            "topic": topic,
            "outbox_id": str(outbox_id),
            "payload": json.dumps(payload, ensure_ascii=False),
        }
        # Approximate trimming keeps XADD O(1); the database keeps the history.
        entry_id = await self.redis.xadd(
            self.stream,
            fields,  # type: ignore[arg-type]
            maxlen=self.maxlen,
            approximate=True,
        )
        return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)

    async def publish_many(self, entries: list[tuple[int, str, dict[str, Any]]]) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for outbox_id, topic, payload in entries:
                pipe.xadd(
                    self.stream,
                    {
                        "topic": topic,
                        "outbox_id": str(outbox_id),
                        "payload": json.dumps(payload, ensure_ascii=False),
                    },
                    maxlen=self.maxlen,
                    approximate=True,
                )
            await pipe.execute()

    async def read(self, consumer: str, *, count: int, block_ms: int) -> list[Entry]:
        try:
            # BLOCK 0 would wait forever; no BLOCK at all returns at once.
            resp = await self.redis.xreadgroup(
                self.group,
                consumer,
                {self.stream: ">"},
                count=count,
                block=block_ms if block_ms > 0 else None,
            )
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            # Redis restarted empty (or the stream was deleted): recreate and go on;
            # the outbox relay republishes whatever was lost.
            await self.ensure_group()
            return []
        streams: list[Any] = list(resp or [])
        return [self.decode(eid, fields) for _stream, entries in streams for eid, fields in entries]

    async def autoclaim(self, consumer: str, *, min_idle_ms: int, count: int) -> list[Entry]:
        try:
            resp = await self.redis.xautoclaim(
                self.stream,
                self.group,
                consumer,
                min_idle_time=min_idle_ms,
                start_id="0-0",
                count=count,
            )
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            await self.ensure_group()
            return []
        claimed = [(eid, fields) for eid, fields in resp[1] if fields is not None]
        if not claimed:
            return []
        counts = await self.delivery_counts([e[0] for e in claimed])
        out = []
        for eid, fields in claimed:
            e = self.decode(eid, fields)
            out.append(Entry(e.id, e.topic, e.outbox_id, e.payload, counts.get(e.id, 1)))
        return out

    async def delivery_counts(self, ids: list[Any]) -> dict[str, int]:
        out: dict[str, int] = {}
        for eid in ids:
            sid = eid.decode() if isinstance(eid, bytes) else str(eid)
            rows = await self.redis.xpending_range(
                self.stream, self.group, min=sid, max=sid, count=1
            )
            if rows:
                out[sid] = int(rows[0]["times_delivered"])
        return out

    async def ack(self, entry_id: str) -> None:
        await self.redis.xack(self.stream, self.group, entry_id)

    async def dead_letter(self, entry: Entry, reason: str) -> None:
        """Move an entry that keeps failing aside, so it stops blocking the group
        but stays inspectable (``liandong queue dead``)."""
        fields = {
            "topic": entry.topic,
            "outbox_id": str(entry.outbox_id),
            "payload": json.dumps(entry.payload, ensure_ascii=False),
            "original_id": entry.id,
            "deliveries": str(entry.deliveries),
            "reason": reason[:500],
        }
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.xadd(self.dead, fields)  # type: ignore[arg-type]
            pipe.xack(self.stream, self.group, entry.id)
            await pipe.execute()

    async def backlog(self) -> int:
        """Entries not yet delivered to the group (lag) plus delivered, unacknowledged
        ones (pending). 0 when the group or the stream does not exist."""
        try:
            groups = await self.redis.xinfo_groups(self.stream)
        except ResponseError:
            return 0  # no stream: Redis restarted empty
        for g in groups:
            name = g["name"].decode() if isinstance(g["name"], bytes) else g["name"]
            if name == self.group:
                return int(g.get("lag") or 0) + int(g.get("pending") or 0)
        return 0

    async def stats(self) -> dict[str, int]:
        try:
            length = await self.redis.xlen(self.stream)
            dead = await self.redis.xlen(self.dead)
            pending = 0
            try:
                summary = await self.redis.xpending(self.stream, self.group)
                pending = int(summary["pending"])
            except ResponseError:
                pass
        except RedisError as exc:
            raise Unavailable("redis is unreachable", error_id="redis-unavailable") from exc
        return {"length": int(length), "pending": pending, "dead": int(dead)}
