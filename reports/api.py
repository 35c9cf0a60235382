"""``GET /api/v1/reports/{kind}?period=…&format=html|json``: the assessment reports
for the desktop (leaders, admins, auditors)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from core.auth.deps import client_address, require
from core.auth.models import Principal
from core.auth.roles import Perm
from core.wiring import Services
from reports.html import render_html
from reports.wiring import ReportsContext

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])
Reader = Annotated[Principal, Depends(require(Perm.reports_read))]


@router.get(
    "/{kind}",
    summary="Monthly notice, quarterly assessment or annual review (月通报、季考核、年总评)",
    response_model=None,
)
async def report(
    kind: str,
    user: Reader,
    c: Services,
    reports: ReportsContext,
    request: Request,
    period: Annotated[str, Query(max_length=8, description="2026-10 | 2026-Q3 | 2026")],
    format: Annotated[Literal["html", "json"], Query()] = "json",
) -> Response:
    built = await reports.build(kind, period)
    await c.auth.audit(
        user.username, "report.view", target=f"{kind}:{period}", address=client_address(request)
    )
    if format == "html":
        return HTMLResponse(render_html(built))
    return JSONResponse(built.to_json())
