"""FeedbackService: ratings from the case log, the reopen rule, and survey scheduling.

Every evaluation, whatever the channel (SMS "1", WeChat, app, IVR survey, a
supervisor), is an ``evaluate`` action in the append-only case log. The watcher
tails that log with a persisted cursor and, once per event (UNIQUE case_event_id):

* records the overall rating against the lead unit that completed the case;
* on 不满意 opens a reopen hold: the case is reopened (重办) to the same unit with
  the shorter deadline (``cases.reopen_deadline_factor``) when the hold ends, unless
  a supervisor overrules it first with a recorded reason (the case is then closed);
* on a completion of a case a phone caller reported, schedules an IVR call-back survey.

The rule, chosen so nobody has to act for the citizen to be heard: reopening is
automatic after ``feedback.reopen_hold_minutes`` (30 by default); overruling is the
exception, must say why, and is possible only inside the hold.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from core.auth.models import Principal, Role
from core.cases.lifecycle import Action
from core.cases.schemas import CaseActionIn
from core.cases.service import CaseService
from core.cases.tables import CaseEventRow, CaseRow, ContactRow
from core.clock import Clock
from core.errors import IllegalTransition, InvalidInput, NotFound
from core.ratings.models import Rating, Stage, source_of
from core.ratings.service import RatingService, lead_unit
from core.ratings.tables import RatingRow, SurveyCallRow
from core.storage.engine import Database
from feedback.errors import HoldNotOpen
from feedback.models import HoldState, call_window, may_overrule, reopen_due
from feedback.settings import FeedbackSettings
from feedback.tables import FeedbackCursorRow, ReopenHoldRow

log = logging.getLogger(__name__)
CURSOR = "feedback:case_events"
DONE = frozenset({"complete", "resolve_directly"})
# Numbers the survey can dial: mobiles and fixed lines with their area code.
DIALLABLE = re.compile(r"^(?:1\d{10}|0\d{9,11})$")
SYSTEM = Principal(0, "system:feedback", Role.dispatcher, "群众评价")
REOPEN_REASON = "群众评价不满意，按规定重办（办理时限缩短）"


class FeedbackService:
    def __init__(
        self,
        db: Database,
        cases: CaseService,
        settings: FeedbackSettings,
        clock: Clock,
    ) -> None:
        self.db = db
        self.cases = cases
        self.settings = settings
        self.clock = clock
        self.ratings = RatingService(db, clock)

    # --- the case-log watcher ---------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        """Watch the case log and carry out due reopenings until ``stop``."""
        while not stop.is_set():
            seen = 0
            try:
                seen = await self.poll()
                await self.sweep_holds()
            except Exception:
                log.exception("feedback round failed")
            if seen == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.settings.watch_interval_s)

    async def poll(self, limit: int = 500) -> int:
        async with self.db.session() as s:
            cur = await s.get(FeedbackCursorRow, CURSOR)
            after = cur.value if cur else 0
            rows = (
                await s.execute(
                    select(
                        CaseEventRow.id,
                        CaseEventRow.case_id,
                        CaseEventRow.action,
                        CaseEventRow.actor,
                        CaseEventRow.at,
                        CaseEventRow.data,
                    )
                    .where(CaseEventRow.id > after)
                    .order_by(CaseEventRow.id)
                    .limit(limit)
                )
            ).all()
        for event_id, case_id, action, actor, at, data in rows:
            try:
                if action == Action.evaluate.value and data.get("rating") in (1, 2, 3):
                    await self._rated(event_id, case_id, actor, at, int(data["rating"]))
                elif action in DONE and self.settings.survey_enabled:
                    await self._schedule_survey(case_id, at)
            except IntegrityError:
                # Expected in bulk after `liandong demo history` (its ratings are written
                # with the events): debug, or the first start logs ~200,000 lines.
                log.debug("feedback event already handled", extra={"event_id": event_id})
        if rows:
            async with self.db.session() as s:
                cur = await s.get(FeedbackCursorRow, CURSOR)
                if cur is None:
                    cur = FeedbackCursorRow(name=CURSOR, value=0)
                    s.add(cur)
                cur.value, cur.updated_at = int(rows[-1][0]), self.clock()
        return len(rows)

    async def _rated(
        self, event_id: int, case_id: int, actor: str, at: datetime, rating: int
    ) -> None:
        async with self.db.session() as s:
            row = RatingRow(
                case_id=case_id,
                unit_id=await lead_unit(s, case_id),
                stage=Stage.overall.value,
                rating=rating,
                source=source_of(actor).value,
                actor=actor[:64],
                rated_at=at,
                case_event_id=event_id,
            )
            s.add(row)
            await s.flush()
            if rating == Rating.dissatisfied:
                hold = timedelta(minutes=self.settings.reopen_hold_minutes)
                s.add(
                    ReopenHoldRow(
                        case_id=case_id,
                        rating_id=row.id,
                        state=HoldState.pending.value,
                        due_at=reopen_due(at, hold),
                        created_at=self.clock(),
                    )
                )

    async def _schedule_survey(self, case_id: int, at: datetime) -> None:
        st = self.settings
        if self.clock() - at > timedelta(hours=st.survey_max_age_h):
            return  # an old completion (backlog, history): nobody calls about it now
        due = call_window(
            at + timedelta(seconds=st.survey_delay_s), ZoneInfo(st.timezone), st.survey_hours
        )
        async with self.db.session() as s:
            case = await s.get(CaseRow, case_id)
            phones = await s.scalars(
                select(ContactRow.sender)
                .where(ContactRow.case_id == case_id, ContactRow.channel == "phone")
                .order_by(ContactRow.id)
            )
            phone = next((p for p in phones if DIALLABLE.match(p)), None)
            if case is None or phone is None:
                return
            s.add(
                SurveyCallRow(
                    case_id=case_id,
                    round=case.reopen_count,
                    phone=phone,
                    state="pending",
                    attempts=0,
                    next_attempt_at=due,
                    answers={},
                    created_at=self.clock(),
                    updated_at=self.clock(),
                )
            )

    # --- the reopen rule --------------------------------------------------------------
    async def sweep_holds(self) -> int:
        """Reopen every case whose hold ended without an overrule."""
        now = self.clock()
        async with self.db.session() as s:
            due = (
                await s.execute(
                    select(ReopenHoldRow.id, CaseRow.number)
                    .join(CaseRow, CaseRow.id == ReopenHoldRow.case_id)
                    .where(
                        ReopenHoldRow.state == HoldState.pending.value,
                        ReopenHoldRow.due_at <= now,
                    )
                    .order_by(ReopenHoldRow.due_at)
                    .limit(100)
                )
            ).all()
        done = 0
        for hold_id, number in due:
            if not await self._claim(hold_id, HoldState.reopened, now, SYSTEM.username, None):
                continue  # another worker took it, or a supervisor overruled just now
            try:
                await self.cases.act(
                    number, Action.reopen, CaseActionIn(reason=REOPEN_REASON), SYSTEM
                )
                done += 1
            except IllegalTransition:
                # Someone already sent it back (or merged it): nothing left to reopen.
                await self._set(hold_id, HoldState.void, "工单状态已变化，无需重办")
        return done

    async def _claim(
        self, hold_id: int, to: HoldState, now: datetime, actor: str, reason: str | None
    ) -> bool:
        cond = [ReopenHoldRow.id == hold_id, ReopenHoldRow.state == HoldState.pending.value]
        if to is HoldState.overruled:
            cond.append(ReopenHoldRow.due_at > now)
        async with self.db.session() as s:
            result = await s.execute(
                update(ReopenHoldRow)
                .where(*cond)
                .values(state=to.value, decided_at=now, decided_by=actor[:64], reason=reason)
            )
            return bool(getattr(result, "rowcount", 0))

    async def _set(self, hold_id: int, state: HoldState, reason: str) -> None:
        async with self.db.session() as s:
            await s.execute(
                update(ReopenHoldRow)
                .where(ReopenHoldRow.id == hold_id)
                .values(state=state.value, reason=reason)
            )

    async def holds(self, number: str) -> list[ReopenHoldRow]:
        async with self.db.session() as s:
            case = await self.cases.load(s, number)
            return list(
                await s.scalars(
                    select(ReopenHoldRow)
                    .where(ReopenHoldRow.case_id == case.id)
                    .order_by(ReopenHoldRow.id)
                )
            )

    async def overrule(self, number: str, reason: str, actor: Principal) -> ReopenHoldRow:
        """A supervisor keeps a 不满意 case closed: only inside the hold, with a reason,
        and the case is closed with that reason in its log."""
        if not reason.strip():
            raise InvalidInput("overruling a reopen needs a reason", error_id="reason-required")
        now = self.clock()
        pending = [h for h in await self.holds(number) if h.state == HoldState.pending.value]
        if not pending:
            raise NotFound(f"工单 {number} 没有待重办的不满意评价", error_id="no-reopen-hold")
        hold = pending[-1]
        if not may_overrule(HoldState(hold.state), now, hold.due_at):
            raise HoldNotOpen("重办已到期，不能再否决", details={"due_at": hold.due_at.isoformat()})
        if not await self._claim(hold.id, HoldState.overruled, now, actor.username, reason):
            raise HoldNotOpen("重办已执行或已被否决")
        try:
            await self.cases.act(
                number, Action.close, CaseActionIn(reason=f"否决重办：{reason}"), actor
            )
        except Exception:
            await self._set(hold.id, HoldState.pending, reason)  # give the rule back
            raise
        hold.state, hold.decided_at, hold.decided_by, hold.reason = (
            HoldState.overruled.value,
            now,
            actor.username,
            reason,
        )
        return hold

    # --- ratings per stage (IVR survey, follow-up calls, app) -------------------------
