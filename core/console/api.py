"""HTTP routes of the console: case search, its export, a case's timeline.

``/api/v1/cases/search`` must be matched before ``/api/v1/cases/{number}``: the shell
includes this router ahead of the cases router.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Protocol
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from core.auth.deps import client_address, require
from core.auth.models import Principal, Role
from core.auth.roles import Perm
from core.auth.service import AuthService
from core.cases.service import CaseService
from core.clock import Clock
from core.console import export
from core.console.models import COUNT_CAP, SHORT_WINDOW, TRIGRAM, SearchFilters
from core.console.schemas import ExportQuery, SearchPage, SearchQuery, Timeline
from core.console.search import search
from core.console.timeline import timeline
from core.deps import state
from core.errors import InvalidInput
from core.orgmap.tables import UnitRow
from core.settings import CoreSettings
from core.storage.engine import Database

# An export is one answer built in memory: past this, narrow the filters instead.
EXPORT_MAX = COUNT_CAP


class Needs(Protocol):
    """What these routes use of the core's services (``core.wiring.CoreServices``)."""

    @property
    def db(self) -> Database: ...

    @property
    def cases(self) -> CaseService: ...

    @property
    def auth(self) -> AuthService: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def settings(self) -> CoreSettings: ...


Services = Annotated[Needs, Depends(state("core"))]
Reader = Annotated[Principal, Depends(require(Perm.cases_read))]
Triage = Annotated[Principal, Depends(require(Perm.cases_triage))]
LogReader = Annotated[Principal, Depends(require(Perm.caselog_read))]
Filters = Annotated[SearchQuery, Query()]
ExportFilters = Annotated[ExportQuery, Query()]

router = APIRouter(prefix="/api/v1", tags=["console"])


def _day(d: date | None, tz: str, days: int = 0) -> datetime | None:
    if d is None:
        return None
    local = datetime.combine(d + timedelta(days=days), time.min, tzinfo=ZoneInfo(tz))
    return local.astimezone(UTC)


def filters(q: SearchQuery, tz: str, now: datetime) -> tuple[SearchFilters, str | None]:
    """The filters as the search runs them, and a note when it narrowed them."""
    if q.date_from and q.date_to and q.date_to < q.date_from:
        raise InvalidInput(
            "date_to is before date_from",
            error_id="bad-date-range",
            details={"date_from": str(q.date_from), "date_to": str(q.date_to)},
        )
    text = (q.q or "").strip() or None
    since, note = _day(q.date_from, tz), None
    if text and len(text) < TRIGRAM and since is None:
        since = now - SHORT_WINDOW
        note = f"关键词不足{TRIGRAM}个字：只查近{SHORT_WINDOW.days}天（可指定日期范围）"
    return SearchFilters(
        q=text, number=q.number, phone=q.phone, category=q.category,
        township_id=q.township_id, grid_id=q.grid_id, unit_id=q.unit_id, state=q.state,
        since=since, until=_day(q.date_to, tz, days=1),
        channel=q.channel, hotline=q.hotline, overdue=q.overdue, escalated=q.escalated,
    ), note  # fmt: skip


async def _audit_phone(c: Needs, user: Principal, q: SearchQuery, request: Request) -> None:
    # Looking a citizen up by phone number is the reveal read backwards: same audit.
    if q.phone:
        await c.auth.audit(
            user.username,
            "case.search.phone",
            target=q.phone,
            address=client_address(request),
        )


def _scope(user: Principal) -> int | None:
    # A unit account without a unit sees nothing rather than everything.
    return (user.unit_id or -1) if user.role is Role.unit_staff else None


@router.get("/cases/search", response_model=SearchPage, summary="Search cases (paged)")
async def search_cases(q: Filters, user: Reader, c: Services, request: Request) -> SearchPage:
    now = c.clock()
    f, note = filters(q, c.settings.cases.timezone, now)
    await _audit_phone(c, user, q, request)
    async with c.db.session() as s:
        items, total = await search(
            s, f, now=now, unit_scope=_scope(user), offset=q.offset, limit=q.limit
        )
    return SearchPage(
        items=items, total=total, total_capped=total > COUNT_CAP, offset=q.offset,
        limit=q.limit, note=note,
    )  # fmt: skip


@router.get(
    "/cases/search/export",
    summary="The search result as CSV or XLSX (audited; phones masked)",
    response_class=Response,
)
async def export_cases(
    q: ExportFilters,
    user: Reader,
    c: Services,
    request: Request,
) -> Response:
    now = c.clock()
    f, _ = filters(q, c.settings.cases.timezone, now)
    await _audit_phone(c, user, q, request)
    async with c.db.session() as s:
        items, total = await search(
            s, f, now=now, unit_scope=_scope(user), offset=0, limit=EXPORT_MAX + 1
        )
    if total > EXPORT_MAX:
        raise InvalidInput(
            f"{total} cases match; an export holds at most {EXPORT_MAX}: narrow the filters",
            error_id="export-too-large",
            details={"total": total, "max": EXPORT_MAX},
        )
    body = export.render(items, q.format, c.settings.cases.timezone, now)
    await c.auth.audit(
        user.username,
        "case.export",
        target=q.format,
        address=client_address(request),
        details={"rows": len(items), "filters": q.model_dump(mode="json", exclude_defaults=True)},
    )
    name = f"cases-{now.astimezone(ZoneInfo(c.settings.cases.timezone)):%Y%m%d-%H%M}.{q.format}"
    return Response(
        body,
        media_type=export.FORMATS[q.format],
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/cases/{number}/timeline",
    response_model=Timeline,
    summary="The case's whole story in time order (contacts, calls, instructions, ladder …)",
)
async def case_timeline(number: str, user: LogReader, c: Services, request: Request) -> Timeline:
    async with c.db.session() as s:
        case = await c.cases.load(s, number)
        await c.cases.check_scope(s, case, user)
        # Masked for everyone, as the case panel it is shown in: the full number is
        # the one audited click of the reveal (a timeline read is not a reveal).
        items = await timeline(s, case, full_phones=False)
    await c.auth.audit(
        user.username, "case.timeline", target=number, address=client_address(request)
    )
    return Timeline(number=number, items=items)


@router.get(
    "/console/transfer-targets",
    summary="Every department and township center with a phone (转接 / 三方通话 targets)",
)
async def transfer_targets(user: Triage, c: Services) -> list[dict[str, object]]:
    async with c.db.session() as s:
        rows = await s.execute(
            select(UnitRow.id, UnitRow.name, UnitRow.kind, UnitRow.phone)
            .where(UnitRow.kind.in_(["department", "township"]), UnitRow.phone.is_not(None))
            .order_by(UnitRow.kind, UnitRow.code)
        )
        # The call API dials digits only (telephony.calls.dialing.number): 0857-4265443
        # is sent as 08574265443 through the carrier trunk.
        return [
            {"id": i, "name": n, "kind": k, "phone": p, "target": "".join(filter(str.isdigit, p))}
            for i, n, k, p in rows
            if p and any(ch.isdigit() for ch in p)
        ]
