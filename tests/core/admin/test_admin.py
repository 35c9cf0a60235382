"""The admin console: accounts (create, disable, reset password, unlock), a duty roster
entry and a catalogue rule's limits that the very next dispatch uses, the change
history with undo, and refusals that leave nothing written."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from core.cases.tables import InstructionRow
from core.dispatch.duty import duty_date
from core.escalation.tables import EscalationRow
from core.worktime.calendar import default_calendar
from tests.conftest import login

pytestmark = pytest.mark.anyio


@pytest.fixture
async def admin(client: httpx.AsyncClient) -> dict[str, str]:
    return await login(client, "admin", "demo-admin-110")


async def _ok(r: httpx.Response, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


async def test_an_admin_creates_disables_resets_and_unlocks_an_account(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    body = {"username": "wang.li", "display_name": "王丽", "role": "call_taker",
            "password": "first-pass-1"}  # fmt: skip
    uid = (await _ok(await client.post("/api/v1/admin/users", headers=admin, json=body), 201))["id"]
    token = await login(client, "wang.li", "first-pass-1")
    assert (await client.get("/api/v1/queue", headers=token)).status_code == 200

    await _ok(await client.post(f"/api/v1/admin/users/{uid}/disable", headers=admin))
    assert (await client.get("/api/v1/queue", headers=token)).status_code == 401  # session ended
    r = await client.post(
        "/api/v1/auth/token", data={"username": "wang.li", "password": "first-pass-1"}
    )
    assert r.status_code == 401
    await _ok(await client.post(f"/api/v1/admin/users/{uid}/enable", headers=admin))

    await _ok(await client.post(f"/api/v1/admin/users/{uid}/password", headers=admin,
                                json={"password": "second-pass-2"}))  # fmt: skip
    r = await client.post(
        "/api/v1/auth/token", data={"username": "wang.li", "password": "first-pass-1"}
    )
    assert r.status_code == 401
    for _ in range(6):  # past the per-account limit (5 in 15 minutes)
        r = await client.post("/api/v1/auth/token", data={"username": "wang.li", "password": "x"})
    assert r.status_code == 429
    await _ok(await client.post(f"/api/v1/admin/users/{uid}/unlock", headers=admin))
    await login(client, "wang.li", "second-pass-2")

    kinds = [c["kind"] for c in await _ok(await client.get("/api/v1/admin/changes", headers=admin))]
    assert kinds == ["unlocked", "password_reset", "user_active", "user_active", "user_created"]
    calltaker = await login(client, "calltaker", "demo-calltaker-110")
    assert (await client.get("/api/v1/admin/users", headers=calltaker)).status_code == 403


async def _dispatch(client: httpx.AsyncClient, h: dict[str, str], police_id: int) -> str:
    body = {"channel": "phone", "hotline": "110", "sender": "13800001212", "text": "有人偷电瓶车"}
    number = (await _ok(await client.post("/api/v1/contacts", headers=h, json=body), 201))[
        "case_number"
    ]
    classify = {"category": "police", "emergency": False, "priority": 2}
    await _ok(await client.post(f"/api/v1/cases/{number}/actions/classify", headers=h,
                                json=classify))  # fmt: skip
    await _ok(await client.post(f"/api/v1/cases/{number}/actions/dispatch", headers=h,
                                json={"lead_unit_id": police_id}))  # fmt: skip
    return str(number)


async def _instruction(app: Any, number: str) -> tuple[InstructionRow, EscalationRow]:
    async with app.state.core.db.session() as s:
        from core.cases.tables import CaseRow

        case_id = await s.scalar(select(CaseRow.id).where(CaseRow.number == number))
        ins = await s.scalar(select(InstructionRow).where(InstructionRow.case_id == case_id))
        esc = await s.scalar(select(EscalationRow).where(EscalationRow.case_id == case_id))
        assert ins is not None and esc is not None
        return ins, esc


async def test_a_roster_entry_and_new_limits_apply_to_the_next_dispatch_and_undo_restores(
    client: httpx.AsyncClient, app: Any, admin: dict[str, str]
) -> None:
    d = await login(client, "dispatcher", "demo-dispatcher-110")
    units = await _ok(await client.get("/api/v1/desk/units", headers=d))
    police = next(u["id"] for u in units if u["name"] == "市公安局指挥中心")
    day = duty_date(app.state.core.clock(), default_calendar())
    roster = await _ok(await client.get("/api/v1/admin/roster", headers=admin,
                                        params={"unit_id": police, "day": str(day)}))  # fmt: skip
    takers = [p["id"] for p in roster["people"] if p["takes_duty"]]
    assert len(takers) >= 2 and roster["rotation_person_id"] in takers
    chosen = next(p for p in takers if p != roster["rotation_person_id"])
    # The next duty day can be planned too (tomorrow's roster).
    tomorrow = await _ok(await client.put("/api/v1/admin/roster", headers=admin, json={
        "unit_id": police, "day": str(day + timedelta(days=1)), "person_id": chosen}))  # fmt: skip
    assert tomorrow["override_person_id"] == chosen
    today = {"unit_id": police, "day": str(day), "person_id": chosen}
    await _ok(await client.put("/api/v1/admin/roster", headers=admin, json=today))
    rule = await _ok(await client.put("/api/v1/admin/catalogue/police", headers=admin,
                                      json={"ack": "7 minutes", "done": "5 hours"}))  # fmt: skip
    assert (rule["ack"], rule["done"], rule["version"]) == ("7 minutes", "5 hours", 1)

    ins, esc = await _instruction(app, await _dispatch(client, d, police))
    assert ins.ack_deadline - ins.sent_at == timedelta(minutes=7)
    assert ins.done_deadline - ins.sent_at == timedelta(hours=5)
    assert esc.assignee_id == chosen and esc.assignee_how == "stationed"

    changes = await _ok(await client.get("/api/v1/admin/changes", headers=admin))
    limits = next(c for c in changes if c["kind"] == "limits")
    assert limits["before"] == {} and limits["after"] == {"ack": "7 minutes", "done": "5 hours"}
    await _ok(await client.post(f"/api/v1/admin/changes/{limits['id']}/undo", headers=admin))
    r = await client.post(f"/api/v1/admin/changes/{limits['id']}/undo", headers=admin)
    assert r.status_code == 409 and r.json()["error_id"] == "not-undoable"
    ins, _ = await _instruction(app, await _dispatch(client, d, police))
    assert ins.ack_deadline - ins.sent_at == timedelta(minutes=3)  # catalogue.yaml again


async def test_bad_changes_are_refused_and_leave_nothing_written(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    r = await client.put("/api/v1/admin/catalogue/police", headers=admin,
                         json={"ack": "soon", "done": "5 hours"})  # fmt: skip
    assert r.status_code == 422 and r.json()["error_id"] == "bad-limit"
    r = await client.put("/api/v1/admin/catalogue/no-such-rule", headers=admin,
                         json={"ack": "1 minute", "done": "5 hours"})  # fmt: skip
    assert r.status_code == 404 and r.json()["error_id"] == "rule-not-found"
    r = await client.put("/api/v1/admin/roster", headers=admin,
                         json={"unit_id": 1, "day": "2026-12-09", "person_id": 999999})  # fmt: skip
    assert r.status_code == 422 and r.json()["error_id"] == "person-not-in-unit"
    body = {"username": "admin", "display_name": "x", "role": "admin", "password": "long-enough"}
    r = await client.post("/api/v1/admin/users", headers=admin, json=body)
    assert r.status_code == 422 and r.json()["error_id"] == "user-exists"
    assert await _ok(await client.get("/api/v1/admin/changes", headers=admin)) == []
    rules = await _ok(await client.get("/api/v1/admin/catalogue", headers=admin))
    assert next(x for x in rules if x["id"] == "police")["version"] == 0
