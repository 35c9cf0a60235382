"""GET /api/v1/reports/{kind}: leaders, admins and auditors; JSON or HTML."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import login

pytestmark = pytest.mark.anyio


async def test_reports_are_for_leaders_admins_and_auditors(client: httpx.AsyncClient) -> None:
    for user, password, status in (
        ("calltaker", "demo-calltaker-110", 403),
        ("xinren", "demo-unit-110", 403),
        ("leader", "demo-leader-110", 200),
        ("auditor", "demo-auditor-110", 200),
    ):
        headers = await login(client, user, password)
        r = await client.get(
            "/api/v1/reports/monthly", params={"period": "2026-10"}, headers=headers
        )
        assert r.status_code == status, (user, r.text)
    r = await client.get("/api/v1/reports/monthly", params={"period": "2026-10"})
    assert r.status_code == 401


async def test_json_and_html_views(client: httpx.AsyncClient) -> None:
    headers = await login(client, "leader", "demo-leader-110")
    r = await client.get("/api/v1/reports/quarterly", params={"period": "2026-Q3"}, headers=headers)
    body = r.json()
    assert body["title"] == "黔西市110社会联动中心2026年第3季度季度考核"
    assert len(body["units"]) == 54 and body["flagged"] == []
    assert {u["kind"] for u in body["units"]} == {"department", "township"}
    r = await client.get(
        "/api/v1/reports/annual", params={"period": "2026", "format": "html"}, headers=headers
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "新仁苗族乡" in r.text and "<script" not in r.text
    r = await client.get("/api/v1/reports/monthly", params={"period": "2026-Q3"}, headers=headers)
    assert r.status_code == 422 and r.json()["error_id"] == "invalid-period"
    r = await client.get("/api/v1/reports/weekly", params={"period": "2026"}, headers=headers)
    assert r.status_code == 422 and r.json()["error_id"] == "unknown-report-kind"
