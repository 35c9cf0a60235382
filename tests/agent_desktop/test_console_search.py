"""The console in Chromium: a dispatcher finds a case by a fragment of its text, opens
it from the result and reads its timeline (派单, 退单 with its reason, 改派)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from liandong.settings import Settings
from tests.agent_desktop.a11y import violations
from tests.agent_desktop.conftest import copy_to_docs, login, serve
from tests.conftest import login as api_login

pytestmark = pytest.mark.anyio


@pytest.fixture
async def base(settings: Settings) -> AsyncIterator[str]:
    async for url in serve(settings):
        yield url


async def _story(base: str) -> str:
    """A case dispatched to the police, returned, and reassigned; plus a decoy."""
    async with httpx.AsyncClient(base_url=base) as api:
        d = await api_login(api, "dispatcher", "demo-dispatcher-110")
        numbers = []
        for text in ("钟山镇菜市场旁边的下水道堵了，臭得很", "新仁乡有人在河里电鱼"):
            body = {"channel": "phone", "hotline": "12345", "sender": "13800007777", "text": text}
            r = await api.post("/api/v1/contacts", headers=d, json=body)
            assert r.status_code == 201, r.text
            numbers.append(r.json()["case_number"])
        units = (await api.get("/api/v1/desk/units", headers=d)).json()
        police = next(u["id"] for u in units if "公安" in u["name"])
        other = next(u["id"] for u in units if u["id"] != police)
        p = await api_login(api, "police", "demo-unit-110")
        for h, action, body in (
            (d, "dispatch", {"lead_unit_id": police}),
            (p, "return", {"unit_id": police, "reason": "下水道不归公安管"}),
            (d, "reassign", {"lead_unit_id": other, "reason": "转住建部门处理"}),
        ):
            r = await api.post(f"/api/v1/cases/{numbers[0]}/actions/{action}", headers=h, json=body)
            assert r.status_code == 200, r.text
        return str(numbers[0])


async def test_a_dispatcher_finds_a_case_by_a_fragment_and_reads_its_timeline(
    base: str, browser: Any, screenshots: Path
) -> None:
    number = await _story(base)
    # bypass_csp only so that axe-core can be injected (the desk's CSP refuses it).
    context = await browser.new_context(bypass_csp=True, viewport={"width": 1500, "height": 1000})
    page = await context.new_page()
    await login(page, base, "/desk/", "dispatcher", "demo-dispatcher-110")
    await page.keyboard.press("f")  # the shortcut opens the search and focuses the box
    assert await page.evaluate("document.activeElement.id") == "s-q"
    await page.keyboard.type("下水道堵")
    await page.keyboard.press("Enter")
    await page.wait_for_selector(f"#s-results tr[data-n='{number}']", timeout=10_000)
    assert await page.locator("#s-results tr").count() == 1
    assert "138****7777" in (await page.text_content("#s-results") or "")
    assert "共 1 件" in (await page.text_content("#s-status") or "")
    href = await page.get_attribute("#s-xlsx", "href")
    assert href is not None and "format=xlsx" in href and "q=" in href

    await page.click(f"#s-results tr[data-n='{number}'] button")
    await page.wait_for_selector("#timeline li.tl-reassign", timeout=10_000)
    kinds = await page.eval_on_selector_all(
        "#timeline li .tl-kind", "els => els.map(e => e.textContent)"
    )
    assert kinds[:2] == ["来电/留言", "受理"]
    assert [k for k in kinds if k in ("派单", "退单", "改派")] == ["派单", "退单", "改派"]
    text = await page.text_content("#timeline") or ""
    assert "下水道不归公安管" in text and "转住建部门处理" in text
    await page.screenshot(path=str(screenshots / "search.png"), full_page=True)
    copy_to_docs(["search.png"])
    assert await violations(page) == []  # axe-core: no serious or critical violation
    await context.close()
