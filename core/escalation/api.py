"""HTTP routes for escalation state: the level every instruction has reached (R12).

Supervisors and leaders see every unit; unit staff see their own unit's instructions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import aliased

from core.auth.deps import require
from core.auth.models import Principal, Role
from core.auth.roles import Perm
from core.cases.tables import CaseRow, InstructionRow
from core.clock import Clock
from core.deps import IdPath, IdQuery, state
from core.errors import NotFound, PermissionDenied
from core.escalation.ladder import LEVEL_LABELS, Level
from core.escalation.tables import POKE, EscalationRow, EscalationStepRow
from core.orgmap.tables import PersonRow, UnitRow
from core.storage.engine import Database


class Needs(Protocol):
    """What these routes use of the core's services (``core.wiring.CoreServices``)."""

    @property
    def db(self) -> Database: ...

    @property
    def clock(self) -> Clock: ...


Services = Annotated[Needs, Depends(state("core"))]


router = APIRouter(prefix="/api/v1", tags=["escalations"])

Reader = Annotated[Principal, Depends(require(Perm.cases_read))]
Assignee = aliased(PersonRow, name="assignee")


class EscalationItem(BaseModel):
    instruction_id: int
    case_number: str
    unit_id: int
    unit_name: str
    role: str
    instruction_state: str
    rule_id: str | None
    phase: str  # deliver / ack / done / closed
    level: int  # 0 none, 1 unit head, 2 deputy mayor, 3 mayor and secretary, 4 discipline
    level_label: str
    deadline: datetime  # the deadline the ladder is watching (or last watched)
    next_due_at: datetime | None  # None when closed or about to be re-read
    ack_deadline: datetime
    done_deadline: datetime
    assignee: str | None
    assignee_how: str
    closed_reason: str | None
    overdue: bool


class StepItem(BaseModel):
    step: str
    kind: str
    level: int
    cause: str | None
    due_at: datetime
    taken_at: datetime
    taken_by: str
    notified_at: datetime | None
    to: list[str]


class EscalationDetail(EscalationItem):
    steps: list[StepItem]


def _query() -> Any:  # Select[EscalationRow, InstructionRow, str, str, str | None]
    return (
        select(EscalationRow, InstructionRow, CaseRow.number, UnitRow.name, Assignee.name)
        .join(InstructionRow, InstructionRow.id == EscalationRow.instruction_id)
        .join(CaseRow, CaseRow.id == EscalationRow.case_id)
        .join(UnitRow, UnitRow.id == EscalationRow.unit_id)
        .outerjoin(Assignee, Assignee.id == EscalationRow.assignee_id)
    )


def _item(row: Any, now: datetime) -> dict[str, Any]:
    e, ins, number, unit_name, assignee = row
    due = e.next_due_at
    return {
        "instruction_id": e.instruction_id,
        "case_number": number,
        "unit_id": e.unit_id,
        "unit_name": unit_name,
        "role": ins.role,
        "instruction_state": ins.state,
        "rule_id": e.rule_id,
        "phase": e.phase,
        "level": e.level,
        "level_label": LEVEL_LABELS[Level(e.level)],
        "deadline": e.deadline,
        "next_due_at": None if due is None or due == POKE else due,
        "ack_deadline": ins.ack_deadline,
        "done_deadline": ins.done_deadline,
        "assignee": assignee,
        "assignee_how": e.assignee_how,
        "closed_reason": e.closed_reason,
        "overdue": e.phase in ("ack", "done") and now > e.deadline,
    }


@router.get(
    "/escalations",
    response_model=list[EscalationItem],
    summary="Escalation level of instructions, highest level and earliest deadline first",
)
async def list_escalations(
    user: Reader,
    c: Services,
    open_only: bool = True,
    unit_id: IdQuery = None,
    case_number: str | None = None,
    min_level: Annotated[int, Query(ge=0, le=4)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[EscalationItem]:
    if user.role is Role.unit_staff:
        if unit_id is not None and unit_id != user.unit_id:
            raise PermissionDenied("unit staff see their own unit's escalations only")
        unit_id = user.unit_id
    q = _query().order_by(EscalationRow.level.desc(), EscalationRow.deadline).limit(limit)
    if open_only:
        q = q.where(EscalationRow.closed_reason.is_(None))
    if unit_id is not None:
        q = q.where(EscalationRow.unit_id == unit_id)
    if case_number is not None:
        q = q.where(CaseRow.number == case_number)
    if min_level:
        q = q.where(EscalationRow.level >= min_level)
    now = c.clock()
    async with c.db.session() as s:
        rows = (await s.execute(q)).all()
    return [EscalationItem(**_item(r, now)) for r in rows]


@router.get(
    "/escalations/{instruction_id}",
    response_model=EscalationDetail,
    summary="One instruction's escalation state with every step taken",
)
async def get_escalation(instruction_id: IdPath, user: Reader, c: Services) -> EscalationDetail:
    async with c.db.session() as s:
        row = (
            await s.execute(_query().where(EscalationRow.instruction_id == instruction_id))
        ).first()
        if row is None or (user.role is Role.unit_staff and row[0].unit_id != user.unit_id):
            raise NotFound(
                f"no escalation for instruction {instruction_id}",
                error_id="escalation-not-found",
            )
        steps = (
            await s.scalars(
                select(EscalationStepRow)
                .where(EscalationStepRow.instruction_id == instruction_id)
                .order_by(EscalationStepRow.id)
            )
        ).all()
    return EscalationDetail(
        **_item(row, c.clock()),
        steps=[
            StepItem(
                step=st.step,
                kind=st.kind,
                level=st.level,
                cause=st.cause,
                due_at=st.due_at,
                taken_at=st.taken_at,
                taken_by=st.taken_by,
                notified_at=st.notified_at,
                to=[str(n.get("name", "")) for n in st.notices],
            )
            for st in steps
        ],
    )
