"""The admin console in Chromium: an admin puts a duty officer on duty and shortens a
catalogue deadline on the page, and the next dispatch uses both; the change history
undoes the deadline. axe-core finds no serious or critical violation on the page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from core.cases.tables import CaseRow, InstructionRow
from core.dispatch.duty import duty_date
from core.escalation.tables import EscalationRow
from core.storage.engine import Database
from core.worktime.calendar import default_calendar
from liandong.settings import Settings
from tests.agent_desktop.a11y import violations
from tests.agent_desktop.conftest import copy_to_docs, login, serve
from tests.conftest import login as api_login

pytestmark = pytest.mark.anyio


@pytest.fixture
async def base(settings: Settings) -> AsyncIterator[str]:
    async for url in serve(settings):
        yield url


async def _dispatched(settings: Settings, number: str) -> tuple[InstructionRow, EscalationRow]:
    db = Database(settings.database)
    try:
        async with db.session() as s:
            case_id = await s.scalar(select(CaseRow.id).where(CaseRow.number == number))
            ins = await s.scalar(select(InstructionRow).where(InstructionRow.case_id == case_id))
            esc = await s.scalar(select(EscalationRow).where(EscalationRow.case_id == case_id))
    finally:
        await db.close()
    assert ins is not None and esc is not None
    return ins, esc


async def test_an_admin_sets_the_duty_officer_and_a_deadline_and_the_next_dispatch_uses_them(
    base: str, browser: Any, settings: Settings, screenshots: Path
) -> None:
    context = await browser.new_context(bypass_csp=True, viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    await login(page, base, "/desk/admin.html", "admin", "demo-admin-110")
    await page.wait_for_selector("#rules tr[data-rule='police']", timeout=10_000)
    assert await violations(page) == []

    async with httpx.AsyncClient(base_url=base) as api:
        d = await api_login(api, "dispatcher", "demo-dispatcher-110")
        units = (await api.get("/api/v1/desk/units", headers=d)).json()
        police = next(u["id"] for u in units if u["name"] == "市公安局指挥中心")
        day = duty_date(datetime.now(UTC), default_calendar())
        await page.select_option("#roster-unit", str(police))
        await page.fill("#roster-day", str(day))
        await page.click("#roster-form button[type=submit]")
        await page.wait_for_selector("#roster-list input[name=duty]", timeout=10_000)
        radios = page.locator("#roster-list input[name=duty]:not(:checked)")
        chosen = int(await radios.first.get_attribute("value") or 0)
        await radios.first.check()
        await page.click("#roster-save")
        await page.wait_for_selector("#roster-title:has-text('已人工安排')", timeout=10_000)
        assert await page.text_content("#admin-msg") == "值班安排已保存"

        row = page.locator("#rules tr[data-rule='police']")
        await row.locator("input").nth(0).fill("7 minutes")
        await row.locator("input").nth(1).fill("5 hours")
        await row.locator("button").click()
        await page.wait_for_selector(
            "#rules tr[data-rule='police'] td:text-is('v1')", timeout=10_000
        )
        assert await violations(page) == []

        body = {
            "channel": "phone",
            "hotline": "110",
            "sender": "13800001313",
            "text": "小区车库有人撬车",
        }
        number = (await api.post("/api/v1/contacts", headers=d, json=body)).json()["case_number"]
        for action, payload in (
            ("classify", {"category": "police", "emergency": False, "priority": 2}),
            ("dispatch", {"lead_unit_id": police}),
        ):
            r = await api.post(f"/api/v1/cases/{number}/actions/{action}", headers=d, json=payload)
            assert r.status_code == 200, r.text
        ins, esc = await _dispatched(settings, number)
        assert ins.ack_deadline - ins.sent_at == timedelta(minutes=7)
        assert ins.done_deadline - ins.sent_at == timedelta(hours=5)
        assert esc.assignee_id == chosen

        undo = page.locator("#changes li", has_text="派单时限").locator("button")
        await undo.click()
        await page.wait_for_selector(
            "#rules tr[data-rule='police'] td:text-is('目录')", timeout=10_000
        )
        assert await page.locator("#changes li").count() == 3  # roster, limits, its undo
        await page.screenshot(path=str(screenshots / "admin.png"))
        copy_to_docs(["admin.png"])
    await context.close()
