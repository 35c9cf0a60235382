"""The follow-up sample (回访抽查): a deterministic share of the month's closed cases,
results recorded per stage and analysed by stage in the report."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI

from core.cases.lifecycle import Action
from core.cases.schemas import CaseActionIn
from core.wiring import CoreServices
from tests.conftest import login
from tests.feedback.helpers import ADMIN, completed_case

pytestmark = pytest.mark.anyio


async def test_sample_is_picked_once_recorded_per_stage_and_reported(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    c: CoreServices = app.state.core
    for i in range(6):
        number, _ = await completed_case(c, sender=f"1398571{i:04d}")
        await c.cases.act(number, Action.close, CaseActionIn(), ADMIN)
    month = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    c.settings.feedback.sample_share = 0.5
    leader = await login(client, "leader", "demo-leader-110")
    r = await client.post(f"/api/v1/feedback/samples/{month}", headers=leader)
    assert r.status_code == 200, r.text
    picked = r.json()
    assert len(picked) == 3 and all(p["state"] == "pending" for p in picked)
    again = (await client.post(f"/api/v1/feedback/samples/{month}", headers=leader)).json()
    assert [p["case_number"] for p in again] == [p["case_number"] for p in picked]
    first, second = picked[0], picked[1]
    r = await client.post(
        f"/api/v1/feedback/samples/{month}/{first['id']}",
        json={"ratings": {"accept": 1, "handle": 2, "feedback": 3, "close": 1}, "note": "已回访"},
        headers=leader,
    )
    assert r.status_code == 200 and r.json()["state"] == "done" and r.json()["staff"] == "leader"
    r = await client.post(
        f"/api/v1/feedback/samples/{month}/{first['id']}", json={"ratings": {"accept": 1}},
        headers=leader,
    )  # fmt: skip
    assert r.status_code == 422 and r.json()["error_id"] == "sample-already-recorded"
    r = await client.post(
        f"/api/v1/feedback/samples/{month}/{second['id']}", json={"reached": False},
        headers=leader,
    )  # fmt: skip
    assert r.json()["state"] == "unreachable"
    r = await client.post(
        f"/api/v1/feedback/samples/{month}/{picked[2]['id']}", json={"ratings": {"handle": 5}},
        headers=leader,
    )  # fmt: skip
    assert r.status_code == 422
    unit = await login(client, "xinren", "demo-unit-110")
    r = await client.get(f"/api/v1/feedback/samples/{month}", headers=unit)
    assert r.status_code == 403
    report = (
        await client.get("/api/v1/reports/monthly", params={"period": month}, headers=leader)
    ).json()
    stages = report["city"]["stages"]
    assert stages["accept"] == {"满意": 1} and stages["feedback"] == {"不满意": 1}
    assert report["city"]["followup_sample"] == {"picked": 3, "done": 1}
