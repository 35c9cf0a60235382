"""HTTP routes for intake and cases."""

from __future__ import annotations

import contextlib
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Depends, Query, Request
from redis.exceptions import RedisError
from sqlalchemy import select

from core.auth.deps import client_address, require
from core.auth.models import Principal
from core.auth.roles import Perm, allows
from core.auth.service import AuthService
from core.cases.claims import check_claim
from core.cases.intake import IntakeService
from core.cases.lifecycle import Action
from core.cases.masking import mask_value
from core.cases.permissions import ACTION_PERM
from core.cases.schemas import (
    CaseActionIn,
    CaseEventPublic,
    CasePublic,
    ContactCreate,
    ContactCreated,
)
from core.cases.service import CaseService
from core.cases.tables import CaseRow, ContactRow
from core.cases.views import case_public
from core.cases.workitem import queue_item
from core.deps import state
from core.errors import InvalidInput, PermissionDenied
from core.metrics import Metrics
from core.orgmap.service import OrgMapService
from core.queue.workqueue import WorkQueue
from core.storage.engine import Database


class Needs(Protocol):
    """What these routes use of the core's services (``core.wiring.CoreServices``)."""

    @property
    def db(self) -> Database: ...

    @property
    def cases(self) -> CaseService: ...

    @property
    def intake(self) -> IntakeService: ...

    @property
    def auth(self) -> AuthService: ...

    @property
    def workqueue(self) -> WorkQueue: ...

    @property
    def orgmap(self) -> OrgMapService: ...

    @property
    def metrics(self) -> Metrics: ...


Services = Annotated[Needs, Depends(state("core"))]


router = APIRouter(prefix="/api/v1", tags=["cases"])

Intaker = Annotated[Principal, Depends(require(Perm.contacts_create))]
Reader = Annotated[Principal, Depends(require(Perm.cases_read))]
LogReader = Annotated[Principal, Depends(require(Perm.caselog_read))]


@router.post(
    "/contacts",
    status_code=201,
    response_model=ContactCreated,
    summary="Receive one contact (call, message, alarm, report); opens a case",
)
async def create_contact(body: ContactCreate, user: Intaker, c: Services) -> ContactCreated:
    check_claim(user.role, body.channel, live=body.live)
    created = await c.intake.receive(body, actor=user.username)
    c.metrics.contacts.labels(body.channel, body.hotline or "").inc()
    return created


@router.get("/cases/{number}", response_model=CasePublic, summary="One case with its contacts")
async def get_case(number: str, user: Reader, c: Services, request: Request) -> CasePublic:
    async with c.db.session() as s:
        case = await c.cases.load(s, number)
        await c.cases.check_scope(s, case, user)
        view = await case_public(s, case, full_phones=allows(user.role, Perm.phones_full))
    await c.auth.audit(user.username, "case.view", target=number, address=client_address(request))
    return view


@router.get("/cases", response_model=list[CasePublic], summary="Recent cases, newest first")
async def list_cases(
    user: Reader,
    c: Services,
    request: Request,
    state: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[CasePublic]:
    if user.role.value == "unit_staff":
        raise PermissionDenied("unit staff list their instructions, not all cases")
    async with c.db.session() as s:
        q = select(CaseRow).order_by(CaseRow.id.desc()).limit(limit)
        if state:
            q = q.where(CaseRow.state == state)
        full = allows(user.role, Perm.phones_full)
        views = [await case_public(s, row, full_phones=full) for row in await s.scalars(q)]
    # A list shows many citizens' numbers at once: logged like a single case view.
    await c.auth.audit(
        user.username,
        "cases.list",
        address=client_address(request),
        details={"count": len(views), "full_phones": full, "state": state,
                 "first": views[0].number if views else None,
                 "last": views[-1].number if views else None},
    )  # fmt: skip
    return views


@router.get(
    "/cases/{number}/events",
    response_model=list[CaseEventPublic],
    summary="The case log (append-only audit trail)",
)
async def case_events(number: str, user: LogReader, c: Services) -> list[CaseEventPublic]:
    rows = await c.cases.events(number, user)
    # The log quotes summaries and call-back numbers: masked like the case view.
    full = allows(user.role, Perm.phones_full)

    def show(value: dict[str, Any]) -> dict[str, Any]:
        return value if full else dict(mask_value(value))

    return [
        CaseEventPublic(
            seq=r.seq,
            at=r.at,
            actor=r.actor,
            action=r.action,
            before=show(r.before),
            after=show(r.after),
            data=show(r.data),
        )
        for r in rows
    ]


@router.post(
    "/cases/{number}/actions/{action}",
    response_model=CasePublic,
    summary="Move a case through its lifecycle (派单, 签收, 办结, 退单, 改派, 重办 …)",
)
async def act(
    number: str, action: str, body: CaseActionIn, user: Reader, c: Services
) -> CasePublic:
    try:
        act_ = Action(action)
    except ValueError:
        raise InvalidInput(
            f"unknown action {action!r}",
            error_id="unknown-action",
            details={"allowed": sorted(a.value for a in ACTION_PERM)},
        ) from None
    perm = ACTION_PERM.get(act_)
    if perm is None:
        raise InvalidInput(f"{action} is not an API action", error_id="unknown-action")
    if not allows(user.role, perm):
        raise PermissionDenied(
            f"role {user.role.value} may not {action}", details={"permission": perm.value}
        )
    case = await c.cases.act(number, act_, body, user)
    async with c.db.session() as s:
        if case.queued:
            # A call taker corrected category or priority while it waits: re-rank it.
            first = await s.scalar(
                select(ContactRow).where(ContactRow.case_id == case.id).order_by(ContactRow.id)
            )
            if first is not None:
                with contextlib.suppress(RedisError, OSError):  # janitor re-adds if lost
                    await c.workqueue.add(queue_item(case, first, c.orgmap))
        return await case_public(s, case, full_phones=allows(user.role, Perm.phones_full))
