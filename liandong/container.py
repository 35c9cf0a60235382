"""The composition root's product: every long-lived resource, built once and
closed in reverse order. Used by the web app's lifespan and by the worker."""

from __future__ import annotations

import functools
import gc
import logging
from contextlib import AsyncExitStack
from dataclasses import dataclass

from redis.asyncio import Redis

from core.auth.service import AuthService
from core.auth.throttle import LoginThrottle
from core.cases.intake import IntakeService
from core.cases.service import CaseService
from core.clock import Clock, utc_clock
from core.metrics import Metrics
from core.orgmap.service import OrgMapService
from core.queue.outbox import StreamPublisher
from core.queue.streams import RedisStreams
from core.queue.workqueue import WorkQueue
from core.storage.engine import Database
from core.triage.locator import ContactLocator
from core.triage.ports import Classifier
from core.triage.processor import IntakeProcessor
from liandong.settings import Settings
from router.classifier import LexiconClassifier

log = logging.getLogger(__name__)


@functools.cache
def default_classifier() -> Classifier:
    """Built on first use (about a second: lexicons, automata, pinyin keys) and then
    shared; it is read-only, so every container in the process may use it."""
    return LexiconClassifier.from_data(lang="zh", fuzzy=True)


def intake_processor(c: Container, name: str) -> IntakeProcessor:
    return IntakeProcessor(c.db, c.classifier, c.locator, c.cases, c.workqueue, c.clock, name)


@dataclass
class Container:
    settings: Settings
    db: Database
    redis: Redis
    streams: RedisStreams
    workqueue: WorkQueue
    orgmap: OrgMapService
    locator: ContactLocator
    classifier: Classifier
    intake: IntakeService
    cases: CaseService
    auth: AuthService
    metrics: Metrics
    clock: Clock


async def build(settings: Settings, stack: AsyncExitStack, clock: Clock = utc_clock) -> Container:
    db = Database(settings.database)
    stack.push_async_callback(db.close)
    # Connections are made lazily: the platform starts (degraded) without Redis
    # and recovers when it comes back.
    redis = Redis.from_url(
        settings.redis.url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30
    )
    stack.push_async_callback(redis.aclose)
    q = settings.queue
    streams = RedisStreams(
        redis, prefix=settings.redis.prefix, group=q.consumer_group, maxlen=q.stream_maxlen
    )
    workqueue = WorkQueue(redis, prefix=settings.redis.prefix, aging_step_s=q.aging_step_s)
    orgmap = OrgMapService(db)
    locator = ContactLocator(db, orgmap)
    try:
        await orgmap.load()
        await locator.load()
    except Exception:  # an unmigrated or empty database must not stop start-up
        log.warning("org map not loaded; locating callers is unavailable", exc_info=True)
    intake = IntakeService(db, StreamPublisher(streams), settings.cases, clock)
    # The org map and gazetteer are ~150k long-lived objects; a full GC pass over
    # them took ~55 ms here, a stall in every tenth-of-a-second budget. Freezing
    # moves what exists now out of the collector's sight.
    gc.collect()
    gc.freeze()
    # Closed before the database and Redis (the stack unwinds in reverse).
    stack.push_async_callback(intake.close)
    return Container(
        settings=settings,
        db=db,
        redis=redis,
        streams=streams,
        workqueue=workqueue,
        orgmap=orgmap,
        locator=locator,
        classifier=default_classifier(),
        intake=intake,
        cases=CaseService(db, settings.cases, workqueue, clock),
        auth=AuthService(
            db,
            settings.auth,
            demo_allowed=settings.demo_accounts_allowed,
            clock=clock,
            throttle=LoginThrottle(redis, prefix=settings.redis.prefix),
        ),
        metrics=Metrics(),
        clock=clock,
    )
