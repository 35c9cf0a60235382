"""Feedback's background work for the worker process: the case-log watcher (ratings,
reopen rule, survey scheduling) and, when enabled, the IVR call-back survey caller."""

from __future__ import annotations

import asyncio

from feedback.service import FeedbackService
from feedback.survey import SurveyCaller
from liandong.container import Container


async def run(c: Container, stop: asyncio.Event) -> None:
    settings = c.settings.feedback
    service = FeedbackService(c.db, c.cases, settings, c.clock)
    async with asyncio.TaskGroup() as tg:
        tg.create_task(service.run(stop), name="feedback-watcher")
        if settings.survey_enabled:
            caller = SurveyCaller(c.db, service, settings, c.settings.telephony, c.clock)
            tg.create_task(caller.run(stop), name="feedback-survey")
