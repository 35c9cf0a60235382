"""The batch job stream ``{prefix}:asr:jobs`` in a consumer group, with recovery.

It reuses the intake queue's machinery (:class:`core.queue.consumer.StreamConsumer`:
XAUTOCLAIM of a dead consumer's entries, max deliveries, dead letters to
``{prefix}:asr:jobs:dead``); only the entry shape differs. Producers (the telephony
app for call recordings, the media sweep here for voice messages) XADD flat string
fields ``job_id, contact_id, path, kind, language``, so they need no code of ours.
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis

from asr.models import Job
from core.queue.streams import Entry, RedisStreams


def _text(v: Any) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


def _entry(entry_id: Any, fields: dict[Any, Any], deliveries: int = 1) -> Entry:
    payload = {_text(k): _text(v) for k, v in fields.items()}
    return Entry(_text(entry_id), "asr-job", 0, payload, deliveries)


def job_of(entry: Entry) -> Job:
    return Job.from_fields({k: str(v) for k, v in entry.payload.items()})


class AsrJobStreams(RedisStreams):
    def __init__(self, redis: Redis, *, prefix: str, group: str, maxlen: int) -> None:
        super().__init__(redis, prefix=prefix, group=group, maxlen=maxlen)
        self.stream = f"{prefix}:asr:jobs"
        self.dead = f"{prefix}:asr:jobs:dead"

    async def enqueue(self, job: Job) -> str:
        fields: dict[Any, Any] = job.to_fields()
        return _text(
            await self.redis.xadd(self.stream, fields, maxlen=self.maxlen, approximate=True)
        )

    def decode(self, entry_id: bytes | str, fields: dict[Any, Any]) -> Entry:
        return _entry(entry_id, fields)

    async def dead_letter(self, entry: Entry, reason: str) -> None:
        fields: dict[Any, Any] = {
            **{k: str(v) for k, v in entry.payload.items()},
            "original_id": entry.id,
            "deliveries": str(entry.deliveries),
            "reason": reason[:500],
        }
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.xadd(self.dead, fields)
            pipe.xack(self.stream, self.group, entry.id)
            await pipe.execute()
