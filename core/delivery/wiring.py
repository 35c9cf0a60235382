"""How the composition root builds delivery: the service (with the stream wake-up)
and, in worker processes, the worker with the channel senders the shell passes in."""

from __future__ import annotations

from collections.abc import Mapping

from redis.asyncio import Redis

from core.clock import Clock
from core.delivery.ports import ChannelSender
from core.delivery.service import DeliveryService
from core.delivery.settings import DeliverySettings
from core.delivery.streams import DeliveryStreams, RedisRateLimiter, StreamWaker
from core.delivery.worker import DeliveryWorker
from core.storage.engine import Database


def build_delivery(
    db: Database,
    redis: Redis,
    settings: DeliverySettings,
    clock: Clock,
    *,
    prefix: str,
    secret: bytes,
) -> DeliveryService:
    streams = DeliveryStreams(redis, prefix=prefix, maxlen=settings.stream_maxlen)
    return DeliveryService(db, settings, clock, secret=secret, waker=StreamWaker(streams))


def build_worker(
    service: DeliveryService,
    redis: Redis,
    senders: Mapping[str, ChannelSender],
    *,
    prefix: str,
    name: str,
    claim_idle_ms: int = 30_000,
    max_deliveries: int = 5,
) -> DeliveryWorker:
    st = service.settings
    return DeliveryWorker(
        service,
        senders,
        name=name,
        limiter=RedisRateLimiter(redis, prefix=prefix),
        streams=DeliveryStreams(redis, prefix=prefix, maxlen=st.stream_maxlen),
        ack_url=st.public_url,
        claim_idle_ms=claim_idle_ms,
        max_deliveries=max_deliveries,
    )
