"""HTTP routes: what was sent about a case, flagged messages, acknowledgement from
the unit portal. The work message's link is ``channels``' (it carries its own token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy import select

from core.auth.deps import require
from core.auth.models import Principal, Role
from core.auth.roles import Perm
from core.cases.tables import CaseRow, InstructionRow
from core.delivery.replies import send_reply
from core.delivery.schemas import DeliveryList, DeliveryOut
from core.delivery.service import DeliveryService
from core.deps import state
from core.errors import NotFound

router = APIRouter(prefix="/api/v1", tags=["deliveries"])
Delivery = Annotated[DeliveryService, Depends(state("delivery"))]
Reader = Annotated[Principal, Depends(require(Perm.cases_read))]
Stats = Annotated[Principal, Depends(require(Perm.stats_read))]
Triage = Annotated[Principal, Depends(require(Perm.cases_triage))]
Handler = Annotated[Principal, Depends(require(Perm.cases_handle))]


class ReplyIn(BaseModel):
    text: str = Field(min_length=1, max_length=1000)


async def _visible(svc: DeliveryService, number: str, user: Principal) -> None:
    """Unit staff see the deliveries of cases sent to their unit only."""
    async with svc.db.session() as s:
        case_id = await s.scalar(select(CaseRow.id).where(CaseRow.number == number))
        mine = True
        if case_id is not None and user.role is Role.unit_staff:
            mine = bool(
                await s.scalar(
                    select(InstructionRow.id).where(
                        InstructionRow.case_id == case_id,
                        InstructionRow.unit_id == user.unit_id,
                    )
                )
            )
    if case_id is None or not mine:
        raise NotFound(f"no case {number}", error_id="case-not-found")


@router.get(
    "/cases/{number}/deliveries",
    response_model=DeliveryList,
    summary="Every message sent about a case: channel, masked recipient, state, attempts",
)
async def case_deliveries(number: str, user: Reader, svc: Delivery) -> DeliveryList:
    await _visible(svc, number, user)
    rows = await svc.for_case(number)
    history = await svc.attempts([r.id for r in rows])
    return DeliveryList(items=[DeliveryOut.of(r, history[r.id]) for r in rows])


@router.post(
    "/cases/{number}/replies",
    response_model=DeliveryList,
    summary="发送答复: reply to every citizen of the case on their own channel",
)
async def reply(number: str, body: ReplyIn, user: Triage, svc: Delivery) -> DeliveryList:
    ids = await send_reply(svc, number, body.text, actor=f"user:{user.username}")
    return DeliveryList(items=[DeliveryOut.of(await svc.get(i)) for i in ids])


@router.get(
    "/deliveries/flagged",
    response_model=DeliveryList,
    summary="Messages no channel could carry or nobody acknowledged (the big screen)",
)
async def flagged(user: Stats, svc: Delivery) -> DeliveryList:
    return DeliveryList(items=[DeliveryOut.of(r) for r in await svc.flagged()])


class UnitAck(BaseModel):
    acknowledged: int


@router.post(
    "/deliveries/ack-unit",
    response_model=UnitAck,
    summary="The unit portal was opened: acknowledge the notices addressed to the unit",
)
async def acknowledge_unit(user: Handler, svc: Delivery) -> UnitAck:
    if user.unit_id is None:  # the center's staff have no unit portal
        return UnitAck(acknowledged=0)
    n = await svc.acknowledge_unit(user.unit_id, by=f"user:{user.username}")
    return UnitAck(acknowledged=n)


@router.post(
    "/deliveries/{delivery_id}/ack",
    response_model=DeliveryOut,
    summary="Acknowledge a notice (the unit portal, when its reader opens it)",
)
async def acknowledge(delivery_id: int, user: Reader, svc: Delivery) -> DeliveryOut:
    await svc.acknowledge(delivery_id, "portal", by=f"user:{user.username}")
    return DeliveryOut.of(await svc.get(delivery_id))
