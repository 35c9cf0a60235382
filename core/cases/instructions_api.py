"""HTTP route for a unit's instructions (指令): what it must acknowledge and finish."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Protocol

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy import select

from core.auth.deps import require
from core.auth.models import Principal, Role
from core.auth.roles import Perm, allows
from core.cases.actions import ACTIVE
from core.cases.masking import mask_phone
from core.cases.tables import CaseRow, InstructionRow
from core.clock import Clock
from core.deps import IdQuery, state
from core.errors import InvalidInput
from core.orgmap.tables import UnitRow
from core.storage.engine import Database


class Needs(Protocol):
    """What these routes use of the core's services (``core.wiring.CoreServices``)."""

    @property
    def db(self) -> Database: ...

    @property
    def clock(self) -> Clock: ...


Services = Annotated[Needs, Depends(state("core"))]


router = APIRouter(prefix="/api/v1", tags=["cases"])

Reader = Annotated[Principal, Depends(require(Perm.cases_read))]
# The instruction states still waiting for the unit (one definition, in actions).
OPEN = frozenset(s.value for s in ACTIVE)


class InstructionItem(BaseModel):
    id: int
    case_number: str
    case_summary: str
    category: str | None
    emergency: bool
    priority: int
    unit_id: int
    unit_name: str
    role: str
    state: str
    sent_at: datetime
    ack_deadline: datetime
    done_deadline: datetime
    overdue: bool  # past the deadline that applies to its state


@router.get(
    "/instructions",
    response_model=list[InstructionItem],
    summary="Instructions of my unit (unit staff) or of any unit, open ones first by deadline",
)
async def list_instructions(
    user: Reader,
    c: Services,
    unit_id: IdQuery = None,
    open_only: bool = True,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[InstructionItem]:
    if user.role is Role.unit_staff:
        if unit_id is not None and unit_id != user.unit_id:
            raise InvalidInput("unit staff see their own unit's instructions only")
        unit_id = user.unit_id
    now = c.clock()
    q = (
        select(InstructionRow, CaseRow, UnitRow.name)
        .join(CaseRow, CaseRow.id == InstructionRow.case_id)
        .join(UnitRow, UnitRow.id == InstructionRow.unit_id)
        .order_by(InstructionRow.done_deadline)
        .limit(limit)
    )
    if unit_id is not None:
        q = q.where(InstructionRow.unit_id == unit_id)
    if open_only:
        q = q.where(InstructionRow.state.in_(OPEN))
    async with c.db.session() as s:
        rows = (await s.execute(q)).all()
    # A summary quotes what the citizen said, numbers included: masked like every
    # other view for roles without phones:full (unit staff, leaders, auditors).
    show = (lambda t: t) if allows(user.role, Perm.phones_full) else mask_phone
    return [
        InstructionItem(
            id=i.id,
            case_number=case.number,
            case_summary=show(case.summary),
            category=case.category,
            emergency=case.emergency,
            priority=case.priority,
            unit_id=i.unit_id,
            unit_name=name,
            role=i.role,
            state=i.state,
            sent_at=i.sent_at,
            ack_deadline=i.ack_deadline,
            done_deadline=i.done_deadline,
            overdue=(i.state == "sent" and now > i.ack_deadline)
            or (i.state in OPEN and now > i.done_deadline),
        )
        for i, case, name in rows
    ]
