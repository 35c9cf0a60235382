"""Case actions on the console in Chromium: a dispatcher reviews a 退单 and rejects it
(the same unit again), reassigns with a reason, closes and reopens with reasons; every
catalogue unit with a phone is a transfer target."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from liandong.settings import Settings
from tests.agent_desktop.conftest import login, serve
from tests.conftest import login as api_login

pytestmark = pytest.mark.anyio


@pytest.fixture
async def base(settings: Settings) -> AsyncIterator[str]:
    async for url in serve(settings):
        yield url


async def _api(api: httpx.AsyncClient, h: dict[str, str], number: str, action: str,
               **body: Any) -> None:  # fmt: skip
    r = await api.post(f"/api/v1/cases/{number}/actions/{action}", headers=h, json=body)
    assert r.status_code == 200, r.text


async def _state(page: Any, label: str) -> None:
    await page.wait_for_selector(f"#case-state:text-is('{label}')", timeout=10_000)


async def _do(page: Any, button: str, reason: str) -> None:
    await page.fill("#a-reason", reason)
    await page.click(button)


async def test_a_dispatcher_reviews_a_return_reassigns_closes_and_reopens_on_screen(
    base: str, browser: Any
) -> None:
    async with httpx.AsyncClient(base_url=base) as api:
        d = await api_login(api, "dispatcher", "demo-dispatcher-110")
        body = {"channel": "phone", "hotline": "110", "sender": "13800008888",
                "text": "钟山镇有人半夜在小区里放鞭炮"}  # fmt: skip
        number = (await api.post("/api/v1/contacts", headers=d, json=body)).json()["case_number"]
        units = (await api.get("/api/v1/desk/units", headers=d)).json()
        police = next(u for u in units if "公安" in u["name"])
        other = next(u for u in units if u["kind"] == "township")
        p = await api_login(api, "police", "demo-unit-110")
        await _api(api, d, number, "dispatch", lead_unit_id=police["id"])
        await _api(api, p, number, "return", unit_id=police["id"], reason="不是警情")

        page = await browser.new_page(viewport={"width": 1500, "height": 1000})
        await login(page, base, "/desk/", "dispatcher", "demo-dispatcher-110")
        await page.evaluate(f"openCase({number!r})")
        await page.wait_for_selector("#a-returned:not([hidden])", timeout=10_000)
        assert "不是警情" in (await page.text_content("#a-returned") or "")
        await page.click("#a-reject")  # no reason typed: refused on the page
        assert await page.text_content("#a-msg") == "请填写理由"
        await _do(page, "#a-reject", "燃放烟花扰民属治安管理，请公安处理")
        await _state(page, "派单")
        assert await page.locator("#a-returned").is_hidden()

        await page.select_option("#a-unit", str(other["id"]))
        await _do(page, "#a-reassign", "改由乡镇综治中心劝导")
        await _state(page, "派单")
        await page.wait_for_selector("#timeline li.tl-reassign", timeout=10_000)

        await _api(api, d, number, "acknowledge", unit_id=other["id"])
        await _api(api, d, number, "complete", unit_id=other["id"])
        await page.evaluate(f"openCase({number!r})")
        await _state(page, "办结")
        await _do(page, "#a-close", "已劝导，群众认可")
        await _state(page, "结案")
        await _do(page, "#a-reopen", "群众再次来电反映仍在燃放")
        await _state(page, "派单")

        r = await api.get(f"/api/v1/cases/{number}/timeline", headers=d)
        texts = [(i["kind"], i["text"]) for i in r.json()["items"]]
        reasons = [t for k, t in texts if k in ("instruction", "reassign", "close", "reopen")]
        assert any("驳回退单：燃放烟花扰民属治安管理" in t for t in reasons)
        assert any(t.startswith("改派：") and "改由乡镇综治中心劝导" in t for t in reasons)
        assert any(t.startswith("结案") and "已劝导，群众认可" in t for t in reasons)
        assert any(t.startswith("重办") and "群众再次来电反映仍在燃放" in t for t in reasons)

        targets = await page.eval_on_selector_all(
            "#transfer-target optgroup option", "els => els.map(e => e.value)"
        )
        assert len(targets) >= 50 and all(t.isdigit() for t in targets)
        await page.close()
