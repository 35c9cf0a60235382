"""How the composition root builds the reports: one ``ReportService``, kept in
``app.state.reports`` for the routes (``ReportsContext``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from core.deps import state
from core.wiring import CoreServices
from reports.service import ReportService
from reports.settings import ReportSettings


def build_reports(core: CoreServices, settings: ReportSettings) -> ReportService:
    s = core.settings
    return ReportService(
        core.db, settings, center=s.center_name, timezone=s.cases.timezone, clock=core.clock
    )


ReportsContext = Annotated[ReportService, Depends(state("reports"))]
