"""Live results for the desk: Redis stream ``{prefix}:asr:live``.

Flat string fields ``channel_id, contact_id, kind (partial|final), text, at`` (at:
epoch seconds). Partials replace each other on screen; a final closes an utterance.
"""

from __future__ import annotations

import logging
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from asr.models import LiveResult

log = logging.getLogger(__name__)


def live_stream(prefix: str) -> str:
    return f"{prefix}:asr:live"


class LivePublisher:
    def __init__(self, redis: Redis, *, prefix: str, maxlen: int) -> None:
        self.redis = redis
        self.stream = live_stream(prefix)
        self.maxlen = maxlen

    async def publish(self, r: LiveResult) -> None:
        fields: dict[Any, Any] = {
            "channel_id": r.channel_id,
            "contact_id": "" if r.contact_id is None else str(r.contact_id),
            "kind": r.kind.value,
            "text": r.text,
            "at": f"{r.at:.3f}",
        }
        try:
            await self.redis.xadd(self.stream, fields, maxlen=self.maxlen, approximate=True)
        except (RedisError, OSError) as exc:
            # The desk misses one line; the final text is in the database anyway.
            log.warning("live asr result not published", extra={"error": str(exc)})
