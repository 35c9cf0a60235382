"""The desk pages in headless Chromium: the console's 发送答复 leaves through the
delivery service and the case panel lists it (消息送达) with channel, masked number and
state; the big screen lists what nobody could be told."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from core.auth.tables import UserRow
from core.cases.lifecycle import Action
from core.cases.schemas import CaseActionIn
from core.cases.tables import InstructionRow
from core.delivery.models import Purpose, Request, Route, State
from liandong.settings import Settings
from simulators.sms import FakeSmsServer
from tests.agent_desktop.conftest import chromium_path, login, serve  # noqa: F401
from tests.delivery.conftest import Env
from tests.feedback.helpers import ADMIN

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
CITIZEN = "13985710088"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_the_console_reply_goes_out_by_sms_and_shows_in_the_case_panel(
    env: Env,
    delivery_settings: Settings,
    browser: Any,
    sms_api: FakeSmsServer,
) -> None:
    errors: list[str] = []
    async for base in serve(delivery_settings):
        async with httpx.AsyncClient(base_url=base) as api:
            account = {"username": "gateway", "password": "demo-gateway-110"}
            r = await api.post("/api/v1/auth/token", data=account)
            gateway = {"Authorization": f"Bearer {r.json()['access_token']}"}
            contact = {"channel": "sms", "sender": CITIZEN, "text": "新仁乡路灯坏了"}
            r = await api.post("/api/v1/contacts", headers=gateway, json=contact)
            assert r.is_success, r.text
            number = r.json()["case_number"]
        ctx = await browser.new_context(viewport={"width": 1600, "height": 1100}, bypass_csp=True)
        page = await ctx.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        await login(page, base, "/desk/", "calltaker", "demo-calltaker-110")
        # Opened as the 可能重复 links open a case (no intake worker runs here to queue it).
        await page.evaluate(f"openCase('{number}')")
        await page.wait_for_selector("#case-box:not([hidden])")
        await page.fill("#reply", "您好，已通知新仁乡处理。")
        await page.click("#send-reply")
        await page.wait_for_function(
            "document.querySelector('#case-msg').textContent === '答复已发送'"
        )
        await page.wait_for_selector("#delivery-box:not([hidden]) #delivery-list li")
        item = await page.inner_text("#delivery-list li")
        assert "答复" in item and "短信" in item and "139****0088" in item, item
        assert CITIZEN not in await page.inner_text("#case-box")
        [row_id] = [d.id for d in await env.service.for_case(number)]
        assert (await env.worker.settle(row_id, 20)).state == State.sent
        assert [m.phone for m in sms_api.state.sent] == [CITIZEN]
        await ctx.close()  # its live feed would hold the server open
        assert not errors, errors


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_the_big_screen_lists_a_ladder_step_nobody_could_be_told(
    env: Env, delivery_settings: Settings, browser: Any
) -> None:
    number, case_id = await env.case()
    step = Request(
        key="screen-flagged", purpose=Purpose.ladder_step, text="【移送纪检监察】…",
        recipient="org:市纪委监委", recipient_name="市纪委监委", routes=(),
        case_id=case_id, case_number=number, requires_ack=True,
    )  # fmt: skip
    await env.service.enqueue([step])
    errors: list[str] = []
    async for base in serve(delivery_settings):
        ctx = await browser.new_context(viewport={"width": 1600, "height": 1000}, bypass_csp=True)
        page = await ctx.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        await login(page, base, "/desk/screen.html", "leader", "demo-leader-110")
        await page.wait_for_selector("#flagged-box:not([hidden]) #flagged-notices tr")
        row = await page.inner_text("#flagged-notices tr")
        assert number in row and "督办 → 市纪委监委" in row and "无可用渠道" in row, row
        await ctx.close()
    assert not errors, errors


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_opening_the_unit_portal_in_a_browser_acknowledges_the_units_reminder(
    env: Env, delivery_settings: Settings, browser: Any
) -> None:
    async with env.core.db.session() as s:
        uid = await s.scalar(select(UserRow.unit_id).where(UserRow.username == "xinren"))
    number, case_id = await env.case()
    await env.core.cases.act(number, Action.dispatch, CaseActionIn(lead_unit_id=uid), ADMIN)
    async with env.core.db.session() as s:
        instruction = await s.scalar(
            select(InstructionRow.id).where(InstructionRow.case_id == case_id)
        )
    reminder = Request(
        key="portal-browser", purpose=Purpose.reminder, text="【催办】请抓紧办理。",
        recipient=f"unit:{uid}", recipient_name="新仁苗族乡综治中心",
        routes=(Route("sms", "13985710001"),), case_id=case_id, case_number=number,
        instruction_id=instruction, requires_ack=True,
    )  # fmt: skip
    [delivery_id] = await env.service.enqueue([reminder])
    await env.worker.step(delivery_id)
    async for base in serve(delivery_settings):
        ctx = await browser.new_context(viewport={"width": 420, "height": 900}, bypass_csp=True)
        page = await ctx.new_page()
        await login(page, base, "/desk/portal.html", "xinren", "demo-unit-110")
        await page.wait_for_function("document.title.startsWith('已确认 1 条督办通知')")
        await ctx.close()
    row = await env.service.get(delivery_id)
    assert row.state == State.acknowledged and row.acknowledged_via == "portal"
