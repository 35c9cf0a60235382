"""HTTP routes for feedback: a case's ratings and reopen holds, the supervisor's
overrule of a 重办, and the monthly follow-up sample with its results per stage."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy import select

from core.auth.deps import require
from core.auth.models import Principal
from core.auth.roles import Perm
from core.cases.tables import CaseRow
from core.deps import IdPath
from core.errors import InvalidInput, NotFound
from core.ratings.models import Source, Stage
from core.ratings.tables import FollowupSampleRow, RatingRow
from core.wiring import CoreServices, Services
from feedback.schemas import (
    CaseFeedbackOut,
    HoldOut,
    OverruleIn,
    RatingOut,
    SampleOut,
    SampleResultIn,
)
from feedback.wiring import FeedbackContext

router = APIRouter(prefix="/api/v1/feedback", tags=["feedback"])
Reader = Annotated[Principal, Depends(require(Perm.cases_read))]
Supervisor = Annotated[Principal, Depends(require(Perm.cases_supervise))]
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


def _hold(h: object) -> HoldOut:
    return HoldOut.model_validate(h, from_attributes=True)


@router.get("/cases/{number}", response_model=CaseFeedbackOut, summary="Ratings and reopen holds")
async def case_feedback(
    number: str, user: Reader, c: Services, fb: FeedbackContext
) -> CaseFeedbackOut:
    async with c.db.session() as s:
        case = await c.cases.load(s, number)
        await c.cases.check_scope(s, case, user)
        ratings = await s.scalars(
            select(RatingRow).where(RatingRow.case_id == case.id).order_by(RatingRow.id)
        )
        out = [RatingOut.model_validate(r, from_attributes=True) for r in ratings]
    holds = await fb.service.holds(number)
    return CaseFeedbackOut(number=number, ratings=out, holds=[_hold(h) for h in holds])


@router.post(
    "/cases/{number}/overrule",
    response_model=HoldOut,
    summary="Keep a 不满意 case closed instead of reopening it (reason recorded)",
)
async def overrule(
    number: str, body: OverruleIn, user: Supervisor, c: Services, fb: FeedbackContext
) -> HoldOut:
    return _hold(await fb.service.overrule(number, body.reason, user))


async def _samples(c: CoreServices, rows: list[FollowupSampleRow]) -> list[SampleOut]:
    async with c.db.session() as s:
        ids = [r.case_id for r in rows]
        numbers = dict(
            (await s.execute(select(CaseRow.id, CaseRow.number).where(CaseRow.id.in_(ids)))).all()
        )
    return [
        SampleOut(
            id=r.id,
            period=r.period,
            case_number=numbers[r.case_id],
            state=r.state,
            done_at=r.done_at,
            staff=r.staff,
            note=r.note,
        )
        for r in rows
    ]


@router.post("/samples/{month}", response_model=list[SampleOut], summary="Pick the month's sample")
async def pick_sample(
    month: str, user: Supervisor, c: Services, fb: FeedbackContext
) -> list[SampleOut]:
    _month(month)
    return await _samples(c, await fb.samples.pick(month))


@router.get("/samples/{month}", response_model=list[SampleOut], summary="The month's sample")
async def list_sample(
    month: str, user: Supervisor, c: Services, fb: FeedbackContext
) -> list[SampleOut]:
    _month(month)
    return await _samples(c, await fb.samples.list(month))


@router.post(
    "/samples/{month}/{sample_id}",
    response_model=SampleOut,
    summary="Record a follow-up call's result per stage (受理、处置、反馈、结案)",
)
async def record_sample(
    month: str,
    sample_id: IdPath,
    body: SampleResultIn,
    user: Supervisor,
    c: Services,
    fb: FeedbackContext,
) -> SampleOut:
    if body.reached and not body.ratings:
        raise InvalidInput("请至少填写一个环节的评价", error_id="ratings-required")
    if any(v not in (1, 2, 3) for v in body.ratings.values()):
        raise InvalidInput("评价只能是 1、2、3", error_id="rating-invalid")
    async with c.db.session() as s:
        row = await s.get(FollowupSampleRow, sample_id)
        if row is None or row.period != month:
            raise NotFound(f"no sample {sample_id} in {month}", error_id="sample-not-found")
        if row.state != "pending":
            raise InvalidInput("该抽查已记录结果", error_id="sample-already-recorded")
        row.state = "done" if body.reached else "unreachable"
        row.done_at, row.staff, row.note = c.clock(), user.username, body.note
        case_id = row.case_id
    if body.reached:
        ratings: dict[Stage, int] = dict(body.ratings)
        await fb.service.ratings.record_stages(
            case_id, ratings, source=Source.followup, actor=user.username, sample_id=sample_id
        )
    return (await _samples(c, [row]))[0]


def _month(month: str) -> None:
    if not re.match(MONTH, month):
        raise InvalidInput("月份格式应为 2026-10", error_id="invalid-period")
