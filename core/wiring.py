"""The core's composition: every long-lived core resource, built once per process by
the shell's composition root and closed in reverse order by its exit stack.

``CoreServices`` is what adapters receive (their wiring functions take it) and what
the web app keeps in ``app.state.core``; ``Services`` is the FastAPI dependency that
hands it to an adapter's routes. The core's own routes declare the part they use as a
Protocol (``Needs`` in each ``api.py``) so that no core context imports this module.
"""

from __future__ import annotations

import gc
import logging
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from redis.asyncio import Redis

from core.auth.service import AuthService
from core.auth.throttle import LoginThrottle
from core.cases.intake import IntakeService
from core.cases.service import CaseService
from core.clock import Clock, utc_clock
from core.deps import state
from core.escalation.dispatch import LadderDispatcher
from core.metrics import Metrics
from core.orgmap.service import OrgMapService
from core.queue.outbox import StreamPublisher
from core.queue.streams import RedisStreams
from core.queue.workqueue import WorkQueue
from core.settings import CoreSettings
from core.storage.engine import Database
from core.triage.locator import ContactLocator
from core.triage.ports import Classifier
from core.triage.processor import IntakeProcessor

log = logging.getLogger(__name__)


@dataclass
class CoreServices:
    settings: CoreSettings
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


async def build_core(
    settings: CoreSettings,
    stack: AsyncExitStack,
    classifier: Classifier,
    clock: Clock = utc_clock,
    *,
    load_orgmap: bool = True,
    metrics: Metrics | None = None,
) -> CoreServices:
    """``load_orgmap=False`` for processes that never locate anything (FastAGI): the
    org map is ~150k objects and about a second to load."""
    db = Database(settings.database)
    stack.push_async_callback(db.close)
    # Connections are made lazily: the platform starts (degraded) without Redis
    # and recovers when it comes back.
    redis = Redis.from_url(
        settings.redis.url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30
    )
    stack.push_async_callback(redis.aclose)
    q = settings.queue
    prefix = settings.redis.prefix
    streams = RedisStreams(redis, prefix=prefix, group=q.consumer_group, maxlen=q.stream_maxlen)
    workqueue = WorkQueue(redis, prefix=prefix, aging_step_s=q.aging_step_s)
    orgmap = OrgMapService(db)
    locator = ContactLocator(db, orgmap)
    if load_orgmap:
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
    return CoreServices(
        settings=settings,
        db=db,
        redis=redis,
        streams=streams,
        workqueue=workqueue,
        orgmap=orgmap,
        locator=locator,
        classifier=classifier,
        intake=intake,
        cases=CaseService(db, settings.cases, workqueue, clock, LadderDispatcher(settings.cases)),
        auth=AuthService(
            db,
            settings.auth,
            demo_allowed=settings.demo_accounts_allowed,
            clock=clock,
            throttle=LoginThrottle(
                redis,
                prefix=prefix,
                free_attempts=settings.auth.login_free_attempts,
                base_delay_s=settings.auth.login_base_delay_s,
                max_delay_s=settings.auth.login_max_delay_s,
                per_address=settings.auth.login_per_address,
                window_s=settings.auth.login_window_s,
            ),
        ),
        metrics=metrics or Metrics(),
        clock=clock,
    )


def intake_processor(core: CoreServices, name: str) -> IntakeProcessor:
    return IntakeProcessor(
        core.db, core.classifier, core.locator, core.cases, core.workqueue, core.clock, name
    )


# The dependency adapters' routes use: ``async def route(c: Services) -> …``.
Services = Annotated[CoreServices, Depends(state("core"))]
