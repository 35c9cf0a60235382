"""A call taker sets 就绪 on the console in a real browser, and the next call rings the
seat's desk phone (a registered sipp phone) by itself, through the real Asterisk."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from liandong.settings import Settings
from tests.agent_desktop.conftest import login, serve
from tests.telephony.helpers import sipp
from tests.telephony.phones import eventually, seat_phone

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


@pytest.fixture
async def desk_url(tel_settings: Settings) -> AsyncIterator[str]:
    async for base in serve(tel_settings):
        yield base


async def test_setting_ready_on_the_console_makes_the_seat_phone_ring(
    tel_settings: Settings,
    stasis_app: Any,
    desk_url: str,
    browser: Any,
    tmp_path: Path,
) -> None:
    t = tel_settings.telephony
    # String predicates below: CSP (script-src 'self') would refuse to evaluate them.
    ctx = await browser.new_context(viewport={"width": 1600, "height": 1000}, bypass_csp=True)
    page = await ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.goto(f"{desk_url}/desk/")
    await page.evaluate("localStorage.setItem('ld.seat', 'seat02')")
    await login(page, desk_url, "/desk/", "calltaker", "demo-calltaker-110")
    badge = page.locator("#seat-state")

    # No phone registered at seat02 yet: 就绪 is refused, in Chinese, nothing changes.
    await page.click("#seat-ready")
    await page.wait_for_function("document.querySelector('#seat-msg').textContent.length > 0")
    assert "未注册" in str(await page.text_content("#seat-msg"))
    assert await badge.text_content() == "签出"

    async with seat_phone(t, "seat02", tmp_path) as phone:
        await page.click("#seat-ready")
        await page.wait_for_function("document.querySelector('#seat-state').textContent === '就绪'")
        call = asyncio.create_task(sipp(t, "120", hold_ms=4000, cwd=tmp_path, timeout_s=40))
        async with httpx.AsyncClient(base_url=desk_url) as api:
            r = await api.post(
                "/api/v1/auth/token",
                data={"username": "calltaker", "password": "demo-calltaker-110"},
            )
            h = {"Authorization": f"Bearer {r.json()['access_token']}"}

            async def talking() -> dict[str, Any] | None:
                calls = (await api.get("/api/v1/calls", headers=h)).json()
                return next((c for c in calls if c["state"] == "talking"), None)

            bridged = await eventually(talking, 20, "the call ringing and answered at seat02")
        assert bridged["seat"] == "seat02"
        await page.wait_for_function(
            "document.querySelector('#seat-state').textContent === '通话中'", timeout=10_000
        )
        rc, out = await call
        assert rc == 0, out
        rc, out = await phone.result()
        assert rc == 0, out  # the desk phone rang, answered and got the BYE
    # The big screen shows the hour's call handling: one call, answered by a seat.
    screen = await ctx.new_page()
    await screen.goto(f"{desk_url}/desk/screen.html")
    await screen.wait_for_function("window.wallboardRefreshed >= 1", timeout=15_000)
    assert await screen.text_content("#w-sl") == "100%"
    assert "1" in str(await screen.text_content("#w-agents"))
    # 签出 from the console once the wrap-up is over (the seat is not on a call).
    await page.wait_for_function(
        "['话后处理', '就绪'].includes(document.querySelector('#seat-state').textContent)",
        timeout=10_000,
    )
    await page.click("#seat-signed_out")
    await page.wait_for_function("document.querySelector('#seat-state').textContent === '签出'")
    assert not errors
    await ctx.close()
