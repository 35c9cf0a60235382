"""How the composition root builds feedback: the case-log watcher's service (ratings,
the reopen rule, survey scheduling) and the follow-up sample, kept in
``app.state.feedback`` for the routes and run by the worker (``feedback.worker``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from core.deps import state
from core.wiring import CoreServices
from feedback.sampling import SampleService
from feedback.service import FeedbackService
from feedback.settings import FeedbackSettings


@dataclass
class Feedback:
    settings: FeedbackSettings
    service: FeedbackService
    samples: SampleService


def build_feedback(core: CoreServices, settings: FeedbackSettings) -> Feedback:
    return Feedback(
        settings,
        FeedbackService(core.db, core.cases, settings, core.clock),
        SampleService(core.db, settings, core.settings.cases.timezone, core.clock),
    )


FeedbackContext = Annotated[Feedback, Depends(state("feedback"))]
