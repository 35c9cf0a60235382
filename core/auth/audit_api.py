"""The audit-log viewer for auditors (审计 / 纪检监察): who looked at or did what.

Filters by user, case number, action (exact, or a prefix ending in ``*``) and time;
pages with ``limit``/``offset``; ``format=csv`` exports the same selection (up to
``CSV_MAX`` rows) as a spreadsheet-safe CSV. Reading the log is itself logged.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Literal, Protocol

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import Select, func, select

from core.auth.deps import client_address, require
from core.auth.models import Principal
from core.auth.roles import Perm
from core.auth.service import AuthService
from core.auth.tables import AuditRow
from core.deps import state
from core.storage.engine import Database

CSV_MAX = 50_000


class Needs(Protocol):
    """What these routes use of the core's services (``core.wiring.CoreServices``)."""

    @property
    def db(self) -> Database: ...

    @property
    def auth(self) -> AuthService: ...


Services = Annotated[Needs, Depends(state("core"))]
Auditor = Annotated[Principal, Depends(require(Perm.audit_read))]
router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


class AuditEntry(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    target: str | None
    address: str | None
    details: dict[str, Any]


class AuditPage(BaseModel):
    items: list[AuditEntry]
    total: int
    limit: int
    offset: int


def _filtered(
    user: str | None,
    case: str | None,
    action: str | None,
    since: datetime | None,
    until: datetime | None,
) -> Select[Any]:
    q = select(AuditRow)
    if user:
        q = q.where(AuditRow.actor == user)
    if case:
        q = q.where(AuditRow.target == case)
    if action:
        q = q.where(
            AuditRow.action.startswith(action[:-1], autoescape=True)
            if action.endswith("*")
            else AuditRow.action == action
        )
    if since:
        q = q.where(AuditRow.at >= since)
    if until:
        q = q.where(AuditRow.at < until)
    return q


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # A cell starting like a formula would run in Excel/WPS: make it plain text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@router.get("", response_model=AuditPage, summary="The audit log: filter, page, export CSV")
async def audit_log(
    request: Request,
    viewer: Auditor,
    c: Services,
    user: Annotated[str | None, Query(max_length=64)] = None,
    case: Annotated[str | None, Query(max_length=100)] = None,
    action: Annotated[str | None, Query(max_length=49)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    format: Literal["json", "csv"] = "json",
) -> Any:
    q = _filtered(user, case, action, since, until)
    async with c.db.session() as s:
        total = int(await s.scalar(select(func.count()).select_from(q.subquery())) or 0)
        page = q.order_by(AuditRow.id.desc()).offset(offset)
        page = page.limit(CSV_MAX if format == "csv" else limit)
        rows: Sequence[AuditRow] = (await s.scalars(page)).all()
    filters = {"user": user, "case": case, "action": action, "format": format}
    await c.auth.audit(
        viewer.username,
        "audit.read",
        address=client_address(request),
        details={k: v for k, v in filters.items() if v} | {"rows": len(rows)},
    )
    if format == "csv":
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(["id", "at", "actor", "action", "target", "address", "details"])
        for r in rows:
            cells = (r.id, r.at.isoformat(), r.actor, r.action, r.target, r.address, r.details)
            w.writerow([_cell(v) for v in cells])
        return Response(
            "\ufeff" + out.getvalue(),  # BOM: Excel opens UTF-8 Chinese correctly
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'},
        )
    return AuditPage(
        items=[
            AuditEntry(
                id=r.id,
                at=r.at,
                actor=r.actor,
                action=r.action,
                target=r.target,
                address=r.address,
                details=r.details,
            )
            for r in rows
        ],
        total=total,
        limit=limit,
        offset=offset,
    )
