"""One click calls a missed caller back: the console's 回拨来电人 rings the seat's sipp
phone through the real Asterisk, then dials the citizen (a sipp UAS on the carrier
trunk, which answers); the timeline tells it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from liandong.settings import Settings
from tests.agent_desktop.conftest import login, serve
from tests.conftest import login as api_login
from tests.telephony.phones import eventually, seat_phone, unit_system

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


@pytest.fixture
async def base(tel_settings: Settings, stasis_app: Any) -> AsyncIterator[str]:
    async for url in serve(tel_settings):
        yield url


async def test_a_missed_caller_is_called_back_in_one_click(
    base: str, tel_settings: Settings, browser: Any, tmp_path: Path
) -> None:
    t = tel_settings.telephony
    async with httpx.AsyncClient(base_url=base) as api:
        d = await api_login(api, "dispatcher", "demo-dispatcher-110")
        body = {"channel": "phone", "hotline": "12345", "sender": "13800009090",
                "text": "打了几次没人接，路灯坏了请回电"}  # fmt: skip
        r = await api.post("/api/v1/contacts", headers=d, json=body)
        assert r.status_code == 201, r.text
        number = r.json()["case_number"]

        page = await browser.new_page(viewport={"width": 1500, "height": 1000})
        await login(page, base, "/desk/", "dispatcher", "demo-dispatcher-110")
        await page.evaluate("localStorage.setItem('ld.seat', 'seat04')")
        await page.evaluate(f"openCase({number!r})")
        await page.wait_for_selector("#a-callback:not([hidden])", timeout=10_000)
        async with (
            seat_phone(t, "seat04", tmp_path) as phone,
            unit_system(t, "carrier-out", tmp_path) as citizen,
        ):
            await page.click("#a-callback")
            await page.wait_for_selector("#a-msg:has-text('正在回拨')", timeout=10_000)

            async def talking() -> dict[str, Any] | None:
                calls = (await api.get("/api/v1/calls", headers=d)).json()
                return next((c for c in calls if c["state"] == "talking"), None)

            call = await eventually(talking, 20, "the citizen answering the call-back")
            assert (call["direction"], call["seat"], call["caller"]) == ("out", "seat04",
                                                                         "13800009090")  # fmt: skip
            r = await api.post(f"/api/v1/calls/{call['channel_id']}/hangup", headers=d)
            assert r.status_code == 200, r.text
            for leg in (phone, citizen):
                rc, out = await leg.result(15)
                assert rc == 0, out

        async def told() -> list[str] | None:
            items = (await api.get(f"/api/v1/cases/{number}/timeline", headers=d)).json()["items"]
            texts = [i["text"] for i in items if i["kind"] == "call"]
            return texts if any("回拨接通" in x for x in texts) else None

        texts = await eventually(told, 15, "the call-back in the timeline")
        assert any("回拨" in x and "seat04" in x for x in texts)
        await page.close()
