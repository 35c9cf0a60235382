"""``GET /api/v1/reports/{kind}?period=…&format=html|json|xlsx|pdf``: the assessment
reports for the desktop (leaders, admins, auditors); XLSX and PDF as downloads."""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from core.auth.deps import client_address, require
from core.auth.models import Principal
from core.auth.roles import Perm
from core.wiring import Services
from reports.html import render_html
from reports.service import Report
from reports.wiring import ReportsContext
from reports.xlsx import render_xlsx

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])
FILES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
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
    format: Annotated[Literal["html", "json", "xlsx", "pdf"], Query()] = "json",
) -> Response:
    built = await reports.build(kind, period)
    action = "report.download" if format in FILES else "report.view"
    await c.auth.audit(
        user.username, action, target=f"{kind}:{period}:{format}", address=client_address(request)
    )
    if format in FILES:
        # Rendering (charts, fonts) is CPU work of a second or more: off the event loop.
        data = await asyncio.to_thread(_render, built, format, reports.settings.cjk_fonts)
        return Response(
            data,
            media_type=FILES[format],
            headers={"content-disposition": f'attachment; filename="{kind}-{period}.{format}"'},
        )
    if format == "html":
        return HTMLResponse(render_html(built))
    return JSONResponse(built.to_json())


def _render(built: Report, fmt: str, fonts: list[str]) -> bytes:
    if fmt == "xlsx":
        return render_xlsx(built)
    # matplotlib costs every web worker ~40 MB and a second at start: load it on first use.
    from reports.pdf import render_pdf

    return render_pdf(built, fonts)
