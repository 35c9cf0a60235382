"""HTTP routes for the call takers' work queue, and for possible duplicates (可能重复)
and the cases merged into a case (拆单 undoes a merge through the case actions route)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Protocol

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.orm import aliased

from core.auth.deps import require
from core.auth.models import Principal
from core.auth.roles import Perm, allows
from core.cases import caselog
from core.cases.lifecycle import Action
from core.cases.masking import shown
from core.cases.schemas import CaseActionIn
from core.cases.service import CaseService
from core.cases.tables import CaseRow
from core.clock import Clock
from core.deps import IdPath, state
from core.errors import NotFound, Unavailable
from core.metrics import Metrics
from core.queue.priority import urgent_tier
from core.queue.workqueue import WorkQueue
from core.storage.engine import Database
from core.triage.tables import CaseLinkRow


class Needs(Protocol):
    """What these routes use of the core's services (``core.wiring.CoreServices``)."""

    @property
    def cases(self) -> CaseService: ...

    @property
    def workqueue(self) -> WorkQueue: ...

    @property
    def metrics(self) -> Metrics: ...

    @property
    def clock(self) -> Clock: ...


Services = Annotated[Needs, Depends(state("core"))]


class LinkNeeds(Protocol):
    """What the possible-duplicate routes use (``core.wiring.CoreServices``)."""

    @property
    def db(self) -> Database: ...

    @property
    def cases(self) -> CaseService: ...

    @property
    def clock(self) -> Clock: ...


LinkServices = Annotated[LinkNeeds, Depends(state("core"))]


router = APIRouter(prefix="/api/v1/queue", tags=["queue"])

QueueReader = Annotated[Principal, Depends(require(Perm.queue_read))]
Triage = Annotated[Principal, Depends(require(Perm.cases_triage))]


class QueueItemPublic(BaseModel):
    case_number: str
    channel: str
    hotline: str | None
    category: str | None
    subtype: str | None
    priority: int
    emergency: bool
    live: bool
    urgent: bool
    summary: str
    township: str | None
    waiting_s: float


class QueuePublic(BaseModel):
    items: list[QueueItemPublic]
    total: int


@router.get("", response_model=QueuePublic, summary="Waiting work, most urgent first")
async def list_queue(
    user: QueueReader, c: Services, limit: Annotated[int, Query(ge=1, le=500)] = 200
) -> QueuePublic:
    now = c.clock().timestamp()
    try:
        items = await c.workqueue.list(limit)
        total = await c.workqueue.size()
    except (RedisError, OSError) as exc:
        raise Unavailable(
            "the work queue (Redis) is unreachable", error_id="queue-unavailable"
        ) from exc
    c.metrics.queue_depth.set(total)
    show = shown(allows(user.role, Perm.phones_full))  # leaders read the queue masked
    return QueuePublic(
        total=total,
        items=[
            QueueItemPublic(
                case_number=i.case_number,
                channel=i.channel,
                hotline=i.hotline,
                category=i.category,
                subtype=i.subtype,
                priority=i.priority,
                emergency=i.emergency,
                live=i.live,
                urgent=urgent_tier(i.rank),
                summary=show(i.summary),
                township=i.township,
                waiting_s=round(max(0.0, now - i.enqueued_at), 1),
            )
            for i in items
        ],
    )


class Taken(BaseModel):
    case_number: str


@router.post("/next", response_model=Taken, summary="Take the most urgent waiting case")
async def take_next(user: Triage, c: Services) -> Taken:
    """Tries the head of the queue; if another call taker took it a moment
    earlier (their ZREM won), moves on to the next one."""
    try:
        candidates = await c.workqueue.next_numbers(10)
    except (RedisError, OSError) as exc:
        raise Unavailable(
            "the work queue (Redis) is unreachable", error_id="queue-unavailable"
        ) from exc
    for number in candidates:
        if await c.workqueue.take(number):
            await c.cases.act(number, Action.take, CaseActionIn(), user)
            return Taken(case_number=number)
    raise NotFound("nothing is waiting", error_id="queue-empty")


# -- 可能重复 and 拆单: what the console shows beside a case --------------------------------

links_router = APIRouter(prefix="/api/v1/triage", tags=["triage"])


class RelatedCase(BaseModel):
    link_id: int | None  # a possible-duplicate link (None for a case merged here)
    case_number: str  # the other case
    state: str
    category: str | None
    summary: str
    reason: str
    distance_m: float | None
    at: datetime
    # How the one-click merge goes: this case folded into that one, or the other way
    # (the later report always goes into the earlier one).
    merge_from: str
    merge_into: str


class Related(BaseModel):
    possible_duplicates: list[RelatedCase]
    merged_here: list[RelatedCase]  # cases folded into this one (拆单 undoes it)


@links_router.get(
    "/cases/{number}/related",
    response_model=Related,
    summary="Possible duplicates (可能重复) of a case and the cases merged into it",
)
async def related(number: str, user: Triage, c: LinkServices) -> Related:
    async with c.db.session() as s:
        case = await c.cases.load(s, number)
        other = aliased(CaseRow)
        rows = await s.execute(
            select(CaseLinkRow, CaseRow, other)
            .join(CaseRow, CaseRow.id == CaseLinkRow.case_id)
            .join(other, other.id == CaseLinkRow.other_id)
            .where(
                (CaseLinkRow.case_id == case.id) | (CaseLinkRow.other_id == case.id),
                CaseLinkRow.dismissed_at.is_(None),
            )
            .order_by(CaseLinkRow.id)
        )
        duplicates = []
        for link, later, earlier in rows:
            if later.merged_into_id is not None or earlier.merged_into_id is not None:
                continue  # merged since (either way): nothing left to suggest
            shown = earlier if later.id == case.id else later
            duplicates.append(
                RelatedCase(
                    link_id=link.id,
                    case_number=shown.number,
                    state=shown.state,
                    category=shown.category,
                    summary=shown.summary[:80],
                    reason=link.reason,
                    distance_m=link.distance_m,
                    at=link.created_at,
                    merge_from=later.number,
                    merge_into=earlier.number,
                )
            )
        merged = await s.scalars(
            select(CaseRow).where(CaseRow.merged_into_id == case.id).order_by(CaseRow.id)
        )
        here = [
            RelatedCase(
                link_id=None,
                case_number=m.number,
                state=m.state,
                category=m.category,
                summary=m.summary[:80],
                reason="已并入本工单",
                distance_m=None,
                at=m.updated_at,
                merge_from=m.number,
                merge_into=case.number,
            )
            for m in merged
        ]
    return Related(possible_duplicates=duplicates, merged_here=here)


@links_router.post(
    "/links/{link_id}/dismiss",
    status_code=204,
    summary="Not the same event: stop suggesting this pair (logged on the case)",
)
async def dismiss(link_id: IdPath, user: Triage, c: LinkServices) -> None:
    now = c.clock()
    async with c.db.session() as s:
        link = await s.get(CaseLinkRow, link_id)
        if link is None:
            raise NotFound(f"no possible-duplicate link {link_id}", error_id="link-not-found")
        if link.dismissed_at is None:
            link.dismissed_at, link.dismissed_by = now, user.username
            other = await s.get(CaseRow, link.other_id)
            await caselog.append(
                s,
                case_id=link.case_id,
                actor=user.username,
                action=Action.note,
                at=now,
                data={"not_duplicate_of": other.number if other else None},
            )
