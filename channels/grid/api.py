"""HTTP routes for grid workers (网格员, R3). Their open instructions are listed by
``GET /api/v1/instructions``; these routes report, act and record."""

from __future__ import annotations

from typing import Annotated, Protocol

from fastapi import APIRouter, Depends

from channels.grid.schemas import (
    EscalationIn,
    InstructionActIn,
    InstructionActOut,
    MediationIn,
    MediationOut,
    PatrolReportIn,
    ReportOut,
)
from channels.grid.service import GridService
from core.auth.deps import require
from core.auth.models import Principal
from core.auth.roles import Perm
from core.cases.lifecycle import Action
from core.deps import state


class Needs(Protocol):
    """What these routes use of the channels' services (``channels.wiring.Channels``)."""

    @property
    def grid(self) -> GridService: ...


ChannelServices = Annotated[Needs, Depends(state("channels"))]


router = APIRouter(prefix="/api/v1/channels/grid", tags=["channels: grid workers"])
GridWorker = Annotated[Principal, Depends(require(Perm.cases_handle))]


@router.post("/reports", status_code=201, response_model=ReportOut, summary="Patrol report")
async def report(body: PatrolReportIn, user: GridWorker, ch: ChannelServices) -> ReportOut:
    return await ch.grid.report(user, body)


@router.post(
    "/instructions/{number}/accept", response_model=InstructionActOut, summary="Accept (签收)"
)
async def accept(
    number: str, body: InstructionActIn, user: GridWorker, ch: ChannelServices
) -> InstructionActOut:
    return await ch.grid.act(user, number, Action.acknowledge, body)


@router.post(
    "/instructions/{number}/complete", response_model=InstructionActOut, summary="Complete (办结)"
)
async def complete(
    number: str, body: InstructionActIn, user: GridWorker, ch: ChannelServices
) -> InstructionActOut:
    return await ch.grid.act(user, number, Action.complete, body)


@router.post("/mediations", status_code=201, response_model=MediationOut, summary="Mediation")
async def mediation(body: MediationIn, user: GridWorker, ch: ChannelServices) -> MediationOut:
    return await ch.grid.mediation(user, body)


@router.post(
    "/escalations", status_code=201, response_model=ReportOut, summary="Escalate to township"
)
async def escalate(body: EscalationIn, user: GridWorker, ch: ChannelServices) -> ReportOut:
    return await ch.grid.escalate(user, body)
