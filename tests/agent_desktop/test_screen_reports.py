"""A leader downloads last month's notice as XLSX from the big screen in Chromium; the
workbook opens in openpyxl with its native charts. A call taker sees no report links."""

from __future__ import annotations

from collections.abc import AsyncIterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from liandong.settings import Settings
from tests.agent_desktop.a11y import violations
from tests.agent_desktop.conftest import login, serve

pytestmark = pytest.mark.anyio


@pytest.fixture
async def base(settings: Settings) -> AsyncIterator[str]:
    async for url in serve(settings):
        yield url


async def test_a_leader_downloads_the_months_xlsx_with_charts_from_the_big_screen(
    base: str, browser: Any, tmp_path: Path
) -> None:
    # bypass_csp only so that axe-core can be injected (the desk's CSP refuses it).
    context = await browser.new_context(accept_downloads=True, bypass_csp=True)
    page = await context.new_page()
    await login(page, base, "/desk/screen.html", "leader", "demo-leader-110")
    link = page.locator("#report-links a", has_text="月度通报 XLSX")
    await link.wait_for(state="visible", timeout=10_000)
    assert await violations(page) == []  # axe-core: no serious or critical violation
    async with page.expect_download(timeout=60_000) as info:
        await link.click()
    download = await info.value
    assert download.suggested_filename.startswith("monthly-")
    path = tmp_path / download.suggested_filename
    await download.save_as(path)
    wb = load_workbook(BytesIO(path.read_bytes()))
    assert [type(c).__name__ for c in wb["乡镇街道"]._charts] == ["BarChart"]
    assert [type(c).__name__ for c in wb["分环节满意度"]._charts] == ["BarChart"]
    await context.close()

    page = await browser.new_page()
    await login(page, base, "/desk/screen.html", "calltaker", "demo-calltaker-110")
    await page.wait_for_selector("#k-cases:not(:text('–'))", timeout=10_000)
    assert await page.locator("#report-links").is_hidden()
    await page.close()
