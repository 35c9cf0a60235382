"""Reports as files: ``liandong report monthly --format xlsx`` writes native Excel
charts, and leaders download the same XLSX and the PDF from the web (audited)."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from openpyxl.chart import BarChart, LineChart, PieChart
from sqlalchemy import select

from core.auth.tables import AuditRow
from liandong.cli import main
from tests.conftest import login

pytestmark = pytest.mark.anyio


def _history(url: str) -> None:
    result = CliRunner().invoke(
        main,
        ["demo", "history", "--months", "1", "--per-day", "15", "--until", "2026-11", "--quiet"],
        env={"LIANDONG_DATABASE__URL": url, "LIANDONG_LOG_JSON": "false"},
    )
    assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"


def _charts(data: bytes) -> dict[str, list[str]]:
    """Chart types per sheet, read back by openpyxl from the workbook's drawings."""
    wb = load_workbook(BytesIO(data))
    return {ws.title: [type(c).__name__ for c in ws._charts] for ws in wb.worksheets}


def test_the_monthly_xlsx_from_the_cli_carries_native_charts(
    sqlite_url: str, tmp_path: Path
) -> None:
    _history(sqlite_url)
    out = tmp_path / "m.xlsx"
    result = CliRunner().invoke(
        main,
        ["report", "monthly", "--period", "2026-10", "--format", "xlsx", "-o", str(out), "--quiet"],
        env={"LIANDONG_DATABASE__URL": sqlite_url, "LIANDONG_LOG_JSON": "false"},
    )
    assert result.exit_code == 0, result.output
    charts = _charts(out.read_bytes())
    assert charts["乡镇街道"] == [BarChart.__name__]
    assert charts["市直部门"] == [BarChart.__name__]
    assert charts["分环节满意度"] == [BarChart.__name__]
    assert sorted(charts["全市概况"]) == sorted([PieChart.__name__, LineChart.__name__])
    wb = load_workbook(out)
    ranking = wb["乡镇街道"]._charts[0]
    # The ranking's bars read the 综合得分 column of the 30 townships.
    ref = ranking.series[0].val.numRef.f
    assert ref.endswith("$W$3:$W$32"), ref


async def test_a_leader_downloads_the_month_as_xlsx_and_pdf_and_it_is_audited(
    client: httpx.AsyncClient, app: Any
) -> None:
    leader = await login(client, "leader", "demo-leader-110")
    params = {"period": "2026-10", "format": "xlsx"}
    r = await client.get("/api/v1/reports/monthly", params=params, headers=leader)
    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"] == 'attachment; filename="monthly-2026-10.xlsx"'
    assert BarChart.__name__ in _charts(r.content)["乡镇街道"]
    r = await client.get(
        "/api/v1/reports/monthly", params={**params, "format": "pdf"}, headers=leader
    )
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    calltaker = await login(client, "calltaker", "demo-calltaker-110")
    r = await client.get("/api/v1/reports/monthly", params=params, headers=calltaker)
    assert r.status_code == 403
    async with app.state.core.db.session() as s:
        rows = (await s.scalars(select(AuditRow).where(AuditRow.action == "report.download"))).all()
    assert [a.target for a in rows] == ["monthly:2026-10:xlsx", "monthly:2026-10:pdf"]
