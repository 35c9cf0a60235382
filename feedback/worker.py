"""Feedback's background work for the worker process: the case-log watcher (ratings,
reopen rule, survey scheduling) and, when the shell hands one in, the IVR call-back
survey caller."""

from __future__ import annotations

import asyncio

from feedback.survey import SurveyCaller
from feedback.wiring import Feedback


async def run(fb: Feedback, stop: asyncio.Event, survey: SurveyCaller | None = None) -> None:
    async with asyncio.TaskGroup() as tg:
        tg.create_task(fb.service.run(stop), name="feedback-watcher")
        if survey is not None:
            tg.create_task(survey.run(stop), name="feedback-survey")
