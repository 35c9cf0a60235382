"""`liandong demo history` then `liandong report …`: the workbook lists every
township-level unit and department with figures that match the database (recomputed
here row by row in plain Python from the raw tables, not with the report's SQL), the
PDF has its chart pages, and the HTML names the same townships."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter, defaultdict
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from pypdf import PdfReader

from liandong.cli import main
from reports.xlsx import UNIT_HEADERS

pytestmark = pytest.mark.slow
START, END = "2026-09-30 16:00:00.000000", "2026-10-31 16:00:00.000000"  # October, local


def invoke(args: list[str], url: str) -> str:
    result = CliRunner().invoke(
        main, args, env={"LIANDONG_DATABASE__URL": url, "LIANDONG_LOG_JSON": "false"}
    )
    assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
    return result.output


def recompute(path: str) -> dict[str, dict[str, Any]]:
    """October's figures per assessed unit, one row at a time."""
    db = sqlite3.connect(path)
    units = {r[0]: r for r in db.execute("SELECT id, name, kind, parent_id FROM units")}

    def owner(uid: int | None) -> str | None:
        while uid is not None and units[uid][2] not in ("department", "township"):
            uid = units[uid][3]
        return None if uid is None else str(units[uid][1])

    out: dict[str, Counter[str]] = defaultdict(Counter)
    for r in db.execute(
        "SELECT unit_id, role, state, sent_at, ack_deadline, done_deadline, acknowledged_at,"
        " completed_at FROM instructions"
    ):
        uid, role, state, sent, ack_dl, done_dl, acked, done = r
        if role != "lead" or not (START <= sent < END) or (name := owner(uid)) is None:
            continue
        f = out[name]
        f["volume"] += 1
        f["ack"] += bool(acked and acked <= ack_dl)
        f["done"] += bool(done and done <= done_dl)
        f["withdrawn"] += state == "withdrawn" and acked is None
    for uid, rating, stage, source, at in db.execute(
        "SELECT unit_id, rating, stage, source, rated_at FROM ratings"
    ):
        counted = stage == "overall" and source != "followup" and START <= at < END
        if counted and (name := owner(uid)) is not None:
            out[name]["rated"] += 1
            out[name]["good"] += rating <= 2
    for action, at, data in db.execute("SELECT action, at, data FROM case_events"):
        if action in ("reopen", "return") and START <= at < END:
            d = json.loads(data)
            key = "lead_unit_id" if action == "reopen" else "unit_id"
            if (name := owner(d.get(key))) is not None:
                out[name][action] += 1
    for uid, level, kind, at in db.execute(
        "SELECT e.unit_id, s.level, s.kind, s.taken_at FROM escalation_steps s"
        " JOIN escalations e ON e.id = s.escalation_id"
    ):
        if kind == "escalate" and START <= at < END and (name := owner(uid)) is not None:
            out[name][f"esc{level}"] += 1
    names = [r[1] for r in units.values() if r[2] in ("department", "township")]
    db.close()
    return {n: dict(out.get(n, {})) for n in names}


def test_history_then_monthly_report_in_xlsx_pdf_and_html(sqlite_url: str, tmp_path: Path) -> None:
    out = invoke(
        ["demo", "history", "--months", "2", "--per-day", "60", "--until", "2026-11", "--quiet"],
        sqlite_url,
    )
    assert '"months": 2' in out
    # The history is written once: a second run is refused, nothing doubled.
    again = CliRunner().invoke(
        main, ["demo", "history", "--months", "2", "--until", "2026-11", "--quiet"],
        env={"LIANDONG_DATABASE__URL": sqlite_url},
    )  # fmt: skip
    assert again.exit_code != 0 and "history-present" in again.output

    xlsx = tmp_path / "r.xlsx"
    out = invoke(
        [
            "report",
            "monthly",
            "--period",
            "2026-10",
            "--format",
            "xlsx",
            "-o",
            str(xlsx),
            "--quiet",
        ],
        sqlite_url,
    )
    assert "2026年10月月度通报" in out
    expected = recompute(sqlite_url.removeprefix("sqlite+aiosqlite:///"))
    assert len(expected) == 54
    wb = load_workbook(BytesIO(xlsx.read_bytes()))
    seen = {}
    for sheet, kind_count in (("乡镇街道", 30), ("市直部门", 24)):
        rows = list(wb[sheet].iter_rows(min_row=3, values_only=True))
        assert len(rows) == kind_count
        for row in rows:
            seen[row[1]] = dict(zip(UNIT_HEADERS, row, strict=True))
    assert set(seen) == set(expected)
    busy = 0
    for name, want in expected.items():
        got = seen[name]
        assert got["承办量"] == want.get("volume", 0), name
        assert got["按时签收"] == want.get("ack", 0), name
        assert got["按时办结"] == want.get("done", 0), name
        assert got["评价数"] == want.get("rated", 0), name
        assert got["满意"] + got["基本满意"] == want.get("good", 0), name
        assert got["重办"] == want.get("reopen", 0), name
        assert got["退单"] == want.get("return", 0), name
        assert got["改派前未签收"] == want.get("withdrawn", 0), name
        for level in (1, 2, 3, 4):
            assert got[f"督办{level}级"] == want.get(f"esc{level}", 0), (name, level)
        if want.get("volume"):
            busy += 1
            assert got["按时签收率"] == pytest.approx(want["ack"] / want["volume"])
    assert busy >= 40  # the history gives nearly every unit work

    pdf = tmp_path / "r.pdf"
    invoke(["report", "monthly", "--period", "2026-10", "--format", "pdf", "-o", str(pdf),
            "--quiet"], sqlite_url)  # fmt: skip
    reader = PdfReader(str(pdf))
    assert len(reader.pages) == 7
    for page in reader.pages[:4]:  # the chart pages are full of drawn bars and lines
        content = page.get_contents()
        assert content is not None and len(content.get_data()) > 5000

    html = tmp_path / "r.html"
    invoke(["report", "quarterly", "--period", "2026-Q4", "--format", "html", "-o", str(html),
            "--quiet"], sqlite_url)  # fmt: skip
    assert "2026年第4季度季度考核" in html.read_text()
