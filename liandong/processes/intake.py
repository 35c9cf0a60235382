"""The intake worker process: consumer + outbox relay + janitor under one task group,
with the channels' and feedback's background work and an escalation scheduler.

Run as many as you like (``liandong worker`` on any machine that reaches the
database and Redis); they share the consumer group, so each entry is handled by
one of them, and a dead one's entries are re-claimed by the others.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from contextlib import AsyncExitStack

from channels import worker as channels_worker
from channels.wiring import build_channels
from core.delivery.notifier import DeliveryNotifier
from core.escalation.notifier import RecordingNotifier
from core.escalation.scheduler import build_scheduler
from core.queue.consumer import StreamConsumer
from core.queue.outbox import OutboxRelay
from core.triage.janitor import Janitor
from core.wiring import intake_processor
from feedback import worker as feedback_worker
from feedback.survey import SurveyCaller
from feedback.wiring import build_feedback
from liandong.processes.runner import stop_event
from liandong.settings import Settings
from liandong.wiring import build, delivery_service, delivery_worker
from telephony.wiring import ari_client

log = logging.getLogger(__name__)


def default_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


async def run_worker(
    settings: Settings,
    name: str,
    stop: asyncio.Event | None = None,
    *,
    relay: bool = True,
    janitor: bool = True,
    install_signals: bool = True,
) -> None:
    stop = stop_event(stop, install_signals=install_signals)
    q = settings.queue
    async with AsyncExitStack() as stack:
        c = await build(settings, stack)
        processor = intake_processor(c, name)
        consumer = StreamConsumer(
            c.streams,
            name,
            processor,
            claim_idle_ms=q.claim_idle_ms,
            max_deliveries=q.max_deliveries,
        )
        log.info("worker started", extra={"worker": name, "group": q.consumer_group})
        async with asyncio.TaskGroup() as tg:
            tg.create_task(consumer.run(stop), name="consumer")
            if relay:
                tg.create_task(
                    OutboxRelay(
                        c.db,
                        c.streams,
                        republish_after_s=q.republish_after_s,
                        interval_s=q.relay_interval_s,
                        clock=c.clock,
                    ).run(stop),
                    name="outbox-relay",
                )
            if janitor:
                tg.create_task(
                    Janitor(c.db, c.streams, c.workqueue, c.orgmap).run(stop), name="janitor"
                )
                # Channel housekeeping: outbound sender, media fetcher, completion
                # notices, Weibo poller, set-top-box heartbeat supervision.
                channels = await build_channels(c, settings.channels, stack)
                tg.create_task(channels_worker.run(channels, stop), name="channels")
                # Citizen feedback: ratings, the reopen rule, the IVR call-back survey.
                # The survey is one ARI application with one event stream, so it runs
                # only in the worker that runs the janitor.
                fb = build_feedback(c, settings.feedback)
                survey = None
                if settings.feedback.survey_enabled:
                    ari = ari_client(settings.telephony, settings.feedback.survey_app)
                    survey = SurveyCaller(c.db, fb.service, settings.feedback, ari, c.clock)
                tg.create_task(feedback_worker.run(fb, stop, survey), name="feedback")
            # Every message to a person (issue 13): notices, reminders, ladder steps.
            notifier = None
            if settings.delivery.enabled:
                dw = await delivery_worker(
                    c, settings, stack, name, voice=settings.telephony.notify.enabled
                )
                tg.create_task(dw.run(stop), name="delivery")
                notifier = DeliveryNotifier(
                    delivery_service(c, settings), RecordingNotifier(c.db, c.clock)
                )
            # The escalation ladder: several schedulers may run; each step is
            # claimed by exactly one (UNIQUE instruction/step, SKIP LOCKED).
            tg.create_task(
                build_scheduler(c.db, name, c.clock, notifier).run(stop), name="escalation"
            )
        log.info("worker stopped", extra={"worker": name, "processed": consumer.processed})
