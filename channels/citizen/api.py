"""Citizen app API (R10): report with text, photos and GPS; case status by number
and phone; evaluation; binding the citizen's WeChat identity to their phone."""

from __future__ import annotations

from typing import Annotated, Protocol

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from channels.casestatus import CitizenCases
from channels.citizen.binding import IdentityBinder
from channels.citizen.lookups import LookupLimiter
from channels.citizen.schemas import (
    PHONE,
    CaseStatusOut,
    EvaluationIn,
    EvaluationOut,
    IdentityCodeIn,
    IdentityIn,
    ReportIn,
    ReportOut,
)
from channels.errors import CaseNotVisible
from channels.models import ACCEPTED_REPLY
from channels.service import submit
from core.auth.deps import require
from core.auth.models import Principal
from core.auth.roles import Perm
from core.cases.schemas import ContactCreate, LocationIn
from core.cases.tables import CaseRow
from core.deps import state
from core.errors import InvalidInput
from core.ratings.models import Source, Stage
from core.ratings.service import RatingService
from core.wiring import CoreServices


class Needs(Protocol):
    """What these routes use of the channels' services (``channels.wiring.Channels``)."""

    @property
    def citizens(self) -> CitizenCases: ...

    @property
    def binder(self) -> IdentityBinder: ...

    @property
    def lookups(self) -> LookupLimiter: ...

    @property
    def core(self) -> CoreServices: ...

    @property
    def ratings(self) -> RatingService: ...


ChannelServices = Annotated[Needs, Depends(state("channels"))]


router = APIRouter(prefix="/api/v1/channels/app", tags=["channels: citizen app"])
AppGateway = Annotated[Principal, Depends(require(Perm.contacts_create))]
CHANNEL = "app"


@router.post("/reports", status_code=201, response_model=ReportOut, summary="Citizen report")
async def report(body: ReportIn, user: AppGateway, ch: ChannelServices) -> ReportOut:
    if not body.text.strip() and not body.photos:
        raise InvalidInput("请填写情况说明或上传照片", error_id="report-empty")
    if any(p.kind != "image" for p in body.photos):
        raise InvalidInput("照片必须是图片", error_id="report-photo-kind")
    loc = body.location
    contact = ContactCreate(
        channel=CHANNEL,
        sender=body.phone,
        sender_name=body.name,
        text=body.text.strip(),
        media=body.photos,
        location=LocationIn(
            lat=loc.lat, lon=loc.lon, source="gps", accuracy_m=loc.accuracy_m, address=loc.address
        )
        if loc
        else None,
        idempotency_key=f"app:{body.report_id}",
    )
    accepted = await submit(ch.core.intake, contact, actor=user.username)
    return ReportOut(
        case_number=accepted.case_number,
        duplicate=accepted.duplicate,
        message=ACCEPTED_REPLY.format(number=accepted.case_number),
    )


@router.get(
    "/cases/{number}", response_model=CaseStatusOut, summary="Case status by number + phone"
)
async def status(
    number: str,
    user: AppGateway,
    ch: ChannelServices,
    phone: Annotated[str, Query(pattern=PHONE)],
) -> CaseStatusOut:
    await ch.lookups.check(number)
    senders = await ch.citizens.senders_for(CHANNEL, phone) | {phone}
    try:
        state, label, text = await ch.citizens.state_of(number, senders)
    except CaseNotVisible:
        await ch.lookups.failed(number)
        raise
    return CaseStatusOut(number=number, state=state, state_label=label, text=text)


@router.post(
    "/cases/{number}/evaluation", response_model=EvaluationOut, summary="Evaluate a finished case"
)
async def evaluate(
    number: str, body: EvaluationIn, user: AppGateway, ch: ChannelServices
) -> EvaluationOut:
    await ch.lookups.check(number)
    ok, message = await ch.citizens.try_evaluate(
        number, {body.phone}, body.rating, actor=f"{CHANNEL}:{body.phone}"
    )
    if not ok and message.startswith("未找到"):
        await ch.lookups.failed(number)
        raise CaseNotVisible(message, details={"number": number})
    if ok and body.stages:
        async with ch.core.db.session() as s:
            case_id = await s.scalar(select(CaseRow.id).where(CaseRow.number == number))
        if case_id is not None:
            await ch.ratings.record_stages(
                case_id,
                {Stage(k): v for k, v in body.stages.items()},
                source=Source.app,
                actor=f"{CHANNEL}:{body.phone}",
            )
    return EvaluationOut(accepted=ok, message=message)


@router.post(
    "/identities/codes", status_code=202, summary="Send a binding code to the phone by SMS"
)
async def send_code(body: IdentityCodeIn, user: AppGateway, ch: ChannelServices) -> None:
    await ch.binder.send_code(body.channel, body.external_id, body.phone)


@router.post(
    "/identities", status_code=204, summary="Bind a WeChat/Weibo identity to a proven phone"
)
async def bind(body: IdentityIn, user: AppGateway, ch: ChannelServices) -> None:
    await ch.binder.bind(
        body.channel, body.external_id, body.phone, body.code, replace=body.replace
    )
