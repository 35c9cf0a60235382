"""HTTP routes for the call takers' work queue."""

from __future__ import annotations

from typing import Annotated, Protocol

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from redis.exceptions import RedisError

from core.auth.deps import require
from core.auth.models import Principal
from core.auth.roles import Perm
from core.cases.lifecycle import Action
from core.cases.schemas import CaseActionIn
from core.cases.service import CaseService
from core.clock import Clock
from core.deps import state
from core.errors import NotFound, Unavailable
from core.metrics import Metrics
from core.queue.priority import urgent_tier
from core.queue.workqueue import WorkQueue


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
                summary=i.summary,
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
