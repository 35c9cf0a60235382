"""The audit-log page in headless Chromium, and every desk page under the new
Content-Security-Policy: no page of ours trips it."""

from __future__ import annotations

from typing import Any

import pytest

from liandong.settings import Settings
from tests.agent_desktop.conftest import SCREENSHOTS, login, serve

pytestmark = pytest.mark.anyio


def _watch(page: Any) -> list[str]:
    refused: list[str] = []
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return refused


async def test_an_auditor_filters_the_audit_log_on_its_page(
    settings: Settings, browser: Any
) -> None:
    async for base in serve(settings):
        page = await browser.new_page()
        refused = _watch(page)
        await login(page, base, "/desk/audit.html", "auditor", "demo-auditor-110")
        await page.fill("#filters input[name=user]", "auditor")
        await page.fill("#filters input[name=action]", "login.*")
        await page.click("#filters button[type=submit]")
        await page.wait_for_selector("#rows tbody tr", timeout=10_000)
        rows = await page.inner_text("#rows tbody")
        assert "login.ok" in rows and "auditor" in rows
        assert "共" in await page.inner_text("#summary")
        href = await page.get_attribute("#export", "href")
        assert href is not None and "format=csv" in href and "user=auditor" in href
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SCREENSHOTS / "audit.png"), full_page=True)
        assert refused == []
        await page.close()


@pytest.mark.parametrize(
    ("path", "user", "password"),
    [
        ("/desk/", "calltaker", "demo-calltaker-110"),
        ("/desk/portal.html", "xinren", "demo-unit-110"),
        ("/desk/screen.html", "leader", "demo-leader-110"),
    ],
)
async def test_desk_pages_run_under_the_content_security_policy(
    settings: Settings, browser: Any, path: str, user: str, password: str
) -> None:
    async for base in serve(settings):
        page = await browser.new_page()
        refused = _watch(page)
        await login(page, base, path, user, password)
        # The pages' scripts build their lists and maps after login; wait for the map
        # or list containers to be filled, then for the network to settle.
        await page.wait_for_load_state("networkidle", timeout=15_000)
        assert refused == []
        await page.close()
