"""The IVR call-back survey: dial a phone caller after completion, play the survey,
take DTMF 1/2/3 per question, record the ratings.

Runs its own ARI application (``feedback.survey_app``, default ``liandong-survey``)
over its own websocket, so the hotlines' Stasis app never sees these channels. A
call is originated with a channel id we choose (``survey-<row>-<attempt>``), so its
events are routed to it before ARI even answers the originate.

Protocol facts this relies on: an originated channel enters Stasis (StasisStart)
only once the far end answers; a call that is not answered, busy or rejected ends in
ChannelDestroyed without StasisStart. DTMF sent as RFC 4733/2833 events arrives as
ChannelDtmfReceived while a playback runs, so a citizen may answer before a question
ends (barge-in): the playback is then stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update

from core.auth.models import Principal, Role
from core.cases.lifecycle import Action
from core.cases.schemas import CaseActionIn
from core.cases.tables import CaseRow
from core.clock import Clock
from core.errors import IllegalTransition
from core.ratings.models import STAGES, Rating, Source, Stage
from core.ratings.tables import SurveyCallRow
from core.storage.engine import Database
from feedback.errors import HungUp
from feedback.models import call_window
from feedback.service import FeedbackService
from feedback.settings import FeedbackSettings
from prompts.survey import QUESTIONS, media
from telephony.ari.calls import CallEvents
from telephony.ari.client import AriClient
from telephony.ari.errors import AriError

log = logging.getLogger(__name__)
STALE = timedelta(minutes=10)  # a "calling" row this old belonged to a dead process
QUESTION_ORDER = (Stage.overall, *STAGES)


class SurveyCall(CallEvents):
    """One answered call: questions out, digits in (events fed by the caller)."""

    def __init__(self, ari: AriClient, channel_id: str, settings: FeedbackSettings) -> None:
        super().__init__()
        self.ari = ari
        self.channel_id = channel_id
        self.settings = settings

    async def _play(self, names: list[str], n: int) -> str | None:
        playback = f"{self.channel_id}-p{n}"
        try:
            await self.ari.play(self.channel_id, [media(x) for x in names], playback_id=playback)
        except AriError:
            if self.gone:
                raise HungUp from None
            raise
        return playback

    async def ask(self, stage: Stage, n: int) -> int | None:
        """Ask one question (once more after a wrong key or silence)."""
        for attempt in range(2):
            names = [QUESTIONS[stage]] if attempt == 0 else ["survey-invalid", QUESTIONS[stage]]
            playback = await self._play(names, n * 10 + attempt)
            try:
                digit = await asyncio.wait_for(
                    self.digits.get(),
                    self.settings.survey_digit_timeout_s + self.settings.survey_prompt_s,
                )
            except TimeoutError:
                digit = None
            if self.gone:
                raise HungUp
            if playback is not None:
                with contextlib.suppress(AriError):  # already finished: 404
                    await self.ari.stop_playback(playback)
            if digit in ("1", "2", "3"):
                return int(digit)
        return None

    async def survey(self) -> dict[Stage, int]:
        answers: dict[Stage, int] = {}
        await self._play(["survey-intro"], 0)
        try:
            for n, stage in enumerate(QUESTION_ORDER, 1):
                value = await self.ask(stage, n)
                if value is not None:
                    answers[stage] = value
            await self._play(["survey-thanks"], 99)
            await asyncio.sleep(2.5)  # let the thanks be heard before hanging up
        except HungUp:
            pass
        return answers


class SurveyCaller:
    def __init__(
        self,
        db: Database,
        feedback: FeedbackService,
        settings: FeedbackSettings,
        ari: AriClient,
        clock: Clock,
    ) -> None:
        """``ari``: a client of the survey's own Stasis application (``survey_app``),
        not yet connected; ``run`` opens and closes it."""
        self.db = db
        self.feedback = feedback
        self.settings = settings
        self.ari = ari
        self.clock = clock
        self.calls: dict[str, SurveyCall] = {}
        self.active = 0  # calls in progress, at most survey_concurrency
        self.idle = asyncio.Event()

    async def run(self, stop: asyncio.Event, *, interval_s: float = 2.0) -> None:
        self.idle.set()
        async with self.ari as ari:
            ari.spawn(self._route(ari), name="survey-events")
            await ari.wait_connected(30)
            while not stop.is_set():
                for row_id in await self._claim_due():
                    self.active += 1
                    self.idle.clear()
                    ari.spawn(self._guarded(ari, row_id), name=f"survey-{row_id}")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), interval_s)
            await self.idle.wait()  # let calls in progress finish

    async def _route(self, ari: AriClient) -> None:
        async for event in ari.events():
            cid = event.channel_id
            if cid is not None and cid in self.calls:
                self.calls[cid].feed(event)

    async def _claim_due(self) -> list[int]:
        now = self.clock()
        free = self.settings.survey_concurrency - self.active
        if free <= 0:
            return []
        async with self.db.session() as s:
            ids = list(
                await s.scalars(
                    select(SurveyCallRow.id)
                    .where(
                        or_(
                            (SurveyCallRow.state == "pending")
                            & (SurveyCallRow.next_attempt_at <= now),
                            (SurveyCallRow.state == "calling")
                            & (SurveyCallRow.updated_at < now - STALE),
                        )
                    )
                    .order_by(SurveyCallRow.next_attempt_at)
                    .limit(free)
                )
            )
        claimed = []
        for row_id in ids:
            async with self.db.session() as s:
                result = await s.execute(
                    update(SurveyCallRow)
                    .where(SurveyCallRow.id == row_id, SurveyCallRow.state != "done")
                    .where(
                        or_(
                            SurveyCallRow.state == "pending",
                            SurveyCallRow.updated_at < now - STALE,
                        )
                    )
                    .values(state="calling", attempts=SurveyCallRow.attempts + 1, updated_at=now)
                )
                if getattr(result, "rowcount", 0):
                    claimed.append(row_id)
        return claimed

    async def _guarded(self, ari: AriClient, row_id: int) -> None:
        try:
            await self.call(ari, row_id)
        except Exception as exc:  # one failed call must not end the caller
            log.exception("survey call failed", extra={"survey_call": row_id})
            await self._finish(row_id, answered=False, error=repr(exc)[:300])
        finally:
            self.active -= 1
            if self.active == 0:
                self.idle.set()

    async def call(self, ari: AriClient, row_id: int) -> dict[Stage, int]:
        async with self.db.session() as s:
            row = await s.get(SurveyCallRow, row_id)
            if row is None:
                return {}
            phone, attempts, case_id = row.phone, row.attempts, row.case_id
        channel_id = f"survey-{row_id}-{attempts}"
        call = self.calls[channel_id] = SurveyCall(ari, channel_id, self.settings)
        try:
            try:
                await ari.originate(
                    f"PJSIP/{phone}@{self.settings.survey_trunk}",
                    app=self.settings.survey_app,
                    app_args="survey",
                    caller_id=self.settings.survey_caller_id,
                    timeout_s=self.settings.survey_ring_s,
                    channel_id=channel_id,
                )
            except AriError as exc:
                await self._finish(row_id, answered=False, error=exc.message)
                return {}
            if not await call.answered(self.settings.survey_ring_s + 10):
                await self._finish(row_id, answered=False, error="no answer")
                return {}
            answers = await call.survey()
            if not call.gone:
                with contextlib.suppress(AriError):
                    await ari.hangup(channel_id)
        finally:
            self.calls.pop(channel_id, None)
        await self._record(row_id, case_id, answers)
        await self._finish(row_id, answered=bool(answers), answers=answers)
        return answers

    async def _record(self, row_id: int, case_id: int, answers: dict[Stage, int]) -> None:
        stages: dict[Stage, int] = {k: v for k, v in answers.items() if k is not Stage.overall}
        if stages:
            await self.feedback.ratings.record_stages(
                case_id, stages, source=Source.ivr, actor="ivr-survey", survey_call_id=row_id
            )
        overall = answers.get(Stage.overall)
        if overall is None:
            return
        async with self.db.session() as s:
            number = await s.scalar(select(CaseRow.number).where(CaseRow.id == case_id))
        if number is None:
            return
        actor = Principal(0, f"ivr-survey:{row_id}", Role.channel, "回访语音")
        try:
            # The overall rating is an evaluation like any other: the feedback watcher
            # records it and applies the reopen rule to 不满意.
            await self.feedback.cases.act(
                number, Action.evaluate, CaseActionIn(rating=Rating(overall).value), actor
            )
        except IllegalTransition:
            log.info("case already evaluated; survey kept per stage", extra={"case": number})

    async def _finish(
        self,
        row_id: int,
        *,
        answered: bool,
        error: str | None = None,
        answers: dict[Stage, int] | None = None,
    ) -> None:
        now = self.clock()
        async with self.db.session() as s:
            row = await s.get(SurveyCallRow, row_id)
            if row is None:
                return
            row.updated_at = now
            row.last_error = error
            if answered:
                row.state = "done"
                row.answers = {k.value: v for k, v in (answers or {}).items()}
            elif row.attempts >= self.settings.survey_max_attempts:
                row.state = "no_answer"  # bounded: a staff follow-up may still call
            else:
                st = self.settings
                row.state = "pending"
                row.next_attempt_at = call_window(
                    now + timedelta(seconds=st.survey_retry_after_s),
                    ZoneInfo(st.timezone),
                    st.survey_hours,
                )
