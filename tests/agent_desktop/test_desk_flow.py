"""The whole desk in a real browser: a sipp call to 110 through the real Asterisk shows
up in the call taker's queue, is taken, located on the map beside camera views,
reclassified and dispatched to the police command center; the police unit acknowledges
it in the portal (phone-sized); the big screen's figures move."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from liandong.settings import Settings
from tests.agent_desktop.conftest import copy_to_docs, login, point_cameras_at, serve
from tests.telephony.helpers import phone_contacts, sipp
from tests.telephony.phones import ari_get, eventually, seat_phone

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

LAT, LON = "27.05", "106.0"  # inside the demo map (a township of Qianxi)
OTHER_CONTACTS = [
    {"channel": "wechat", "sender": "oWx-demo-0001", "text": "新仁乡街上路灯坏了好几天了"},
    {"channel": "sms", "sender": "13700001234", "text": "钟山镇有人卖假酒，请市场监管处理"},
    {"channel": "app", "sender": "13600005678", "text": "咨询一下居住证怎么办理"},
]


@pytest.fixture
async def desk_url(
    tel_settings: Settings, camera_server: ThreadingHTTPServer
) -> AsyncIterator[str]:
    await point_cameras_at(tel_settings, camera_server)
    async for base in serve(tel_settings):
        yield base


def _is_call_take(url: str) -> bool:
    return "/api/v1/calls/" in url and url.endswith("/take")


async def _text(page: Any, selector: str) -> str:
    return str(await page.text_content(selector) or "")


async def _wait_queued(
    settings: Settings, redis_url: str, limit_s: float = 20
) -> tuple[str, float]:
    """The case number of the first phone contact once it is in the work queue, and when."""
    redis = Redis.from_url(redis_url)
    try:
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            contacts = await phone_contacts(settings)
            if contacts:
                number = contacts[0].case_number
                if await redis.zscore(f"{settings.redis.prefix}:workq", number) is not None:
                    return number, time.monotonic()
            await asyncio.sleep(0.02)
    finally:
        await redis.aclose()
    raise AssertionError("the call never reached the work queue")


async def test_call_to_110_is_taken_located_dispatched_acknowledged_and_counted(
    tel_settings: Settings,
    stasis_app: Any,
    intake_worker: None,
    desk_url: str,
    browser: Any,
    camera_server: ThreadingHTTPServer,
    screenshots: Path,
    redis_url: str,
    tmp_path: Path,
) -> None:
    base = desk_url
    await _pages_work_under_their_csp(browser, base)
    # The flow below waits with Playwright's string predicates, which CSP's script-src
    # 'self' (rightly) refuses to evaluate: those contexts bypass the page's CSP.
    # The leader's big screen is open before the call comes in.
    screen_ctx = await browser.new_context(
        viewport={"width": 1600, "height": 1000}, bypass_csp=True
    )
    screen = await screen_ctx.new_page()
    await login(screen, base, "/desk/screen.html", "leader", "demo-leader-110")
    await screen.wait_for_function("window.screenRefreshed >= 1")
    contacts_before = int(await _text(screen, "#k-contacts"))

    desk_ctx = await browser.new_context(viewport={"width": 1600, "height": 1100}, bypass_csp=True)
    desk = await desk_ctx.new_page()
    errors: list[str] = []
    desk.on("pageerror", lambda e: errors.append(str(e)))
    call_takes: list[int] = []
    desk.on("response", lambda r: call_takes.append(r.status) if _is_call_take(r.url) else None)
    await desk.goto(f"{base}/desk/")
    await desk.evaluate("localStorage.setItem('ld.seat', 'seat01')")
    await login(desk, base, "/desk/", "calltaker", "demo-calltaker-110")
    await desk.wait_for_selector("#feed-state.ok", timeout=10_000)

    # Messages from other channels wait in the same queue.
    async with httpx.AsyncClient(base_url=base) as api:
        r = await api.post(
            "/api/v1/auth/token", data={"username": "gateway", "password": "demo-gateway-110"}
        )
        gateway = {"Authorization": f"Bearer {r.json()['access_token']}"}
        for contact in OTHER_CONTACTS:
            assert (await api.post("/api/v1/contacts", headers=gateway, json=contact)).is_success

    call = asyncio.create_task(
        sipp(
            tel_settings.telephony,
            "110",
            scenario="uac_pidf.xml",
            keys={"caller": "13912345678", "lat": LAT, "lon": LON},
            hold_ms=25000,
            cwd=tmp_path,
        )
    )
    number, queued_at = await _wait_queued(tel_settings, redis_url)
    row = f'#queue tr[data-n="{number}"]'
    await desk.wait_for_selector(row, timeout=1000)  # in the queue within 1 s
    shown_after = time.monotonic() - queued_at
    assert shown_after <= 1.0, shown_after
    assert "110" in await _text(desk, row)
    await desk.screenshot(path=str(screenshots / "queue.png"))

    # Take it once the greeting is over (telephony hands a call to a seat from the
    # holding bridge): seat01's desk phone (sipp) rings, answers and is bridged.
    t = tel_settings.telephony
    [call_contact] = await phone_contacts(tel_settings)
    cid = call_contact.channel_id

    async def queued() -> bool:
        calls = await (await desk.request.get(f"{base}/api/v1/calls")).json()
        return any(c["channel_id"] == cid and c["state"] == "queued" for c in calls)

    # The desk phone stays up until the caller hangs up: a seat leaving ends the call.
    phone = contextlib.AsyncExitStack()
    await phone.enter_async_context(seat_phone(t, "seat01", tmp_path))
    await eventually(queued, 15, "the call waiting in the holding bridge")
    await desk.click(row)
    await desk.wait_for_selector("#case-box:not([hidden])")
    await desk.wait_for_function(
        f"document.querySelector('#taken').textContent.includes('{number}')"
    )
    assert call_takes == [200], call_takes

    async def bridged() -> bool:
        for b in await ari_get(t, "/bridges"):
            if b["id"] == f"call-{cid}":
                return len(b["channels"]) == 2 and cid in b["channels"]
        return False

    await eventually(bridged, 15, "caller and seat01 in one bridge")
    await desk.wait_for_function(
        "document.querySelector('#placement').textContent.includes('网格')"
    )
    placement = await _text(desk, "#placement")
    assert "乡" in placement or "镇" in placement or "街道" in placement, placement
    # The caller's point and the grid boundary are on the map, cameras beside it.
    for shape in ("case-marker", "grid-boundary", "camera-marker"):
        await desk.wait_for_selector(f"#map path.{shape}", state="attached")
    await desk.wait_for_function(
        "[...document.querySelectorAll('#cameras img')]"
        ".filter(i => i.naturalWidth > 0).length >= 2",
        timeout=10_000,
    )
    assert camera_server.hits >= 2  # type: ignore[attr-defined]
    assert "****" in await _text(desk, "#caller")  # masked until an audited reveal

    # Correct the classification: a fight, priority 1, emergency.
    await desk.wait_for_function("document.querySelector('#f-category').options.length > 1")
    await desk.select_option("#f-category", "police")
    await desk.select_option("#f-subtype", "fight")
    await desk.select_option("#classify select[name=priority]", "1")
    await desk.check("#classify input[name=emergency]")
    await desk.click("#classify button[type=submit]")
    await desk.wait_for_function("document.querySelector('#case-msg').textContent === '分类已保存'")
    await desk.wait_for_function(
        "document.querySelector('#dispatch-suggestion').textContent.includes('市公安局指挥中心')"
    )
    await desk.screenshot(path=str(screenshots / "console.png"), full_page=True)

    # Dispatch to the police command center (explicitly chosen).
    await desk.select_option("#lead-unit", label="市公安局指挥中心")
    await desk.click("#dispatch")
    await desk.wait_for_function(
        "document.querySelector('#dispatch-result').textContent.startsWith('已派单')"
    )
    assert "市公安局指挥中心" in await _text(desk, "#dispatch-result")
    await desk.wait_for_selector(row, state="detached", timeout=5000)  # left the queue
    assert not errors, errors

    # The police unit acknowledges on a phone-sized screen.
    phone_ctx = await browser.new_context(
        bypass_csp=True, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    portal = await phone_ctx.new_page()
    await login(portal, base, "/desk/portal.html", "police", "demo-unit-110")
    card = f'.card[data-case="{number}"]'
    await portal.wait_for_selector(card)
    await portal.screenshot(path=str(screenshots / "portal.png"), full_page=True)
    await portal.click(f'{card} button[data-action="acknowledge"]')
    await portal.wait_for_function(
        f"document.querySelector('#msg').textContent.includes('{number} 签收成功')"
    )
    await portal.wait_for_selector(f'{card} button[data-action="start"]')
    assert "签收" in await _text(portal, f"{card} .badge")

    # The big screen counted the new call and the open instruction.
    await screen.wait_for_function(
        f"Number(document.querySelector('#k-contacts').textContent) > {contacts_before}",
        timeout=10_000,
    )
    await screen.wait_for_function("Number(document.querySelector('#k-open').textContent) >= 1")
    await screen.screenshot(path=str(screenshots / "bigscreen.png"), full_page=True)

    rc, out = await call
    await phone.aclose()
    assert rc == 0, out
    copy_to_docs(["queue.png", "console.png", "portal.png", "bigscreen.png"])
    for ctx in (screen_ctx, desk_ctx, phone_ctx):
        await ctx.close()


async def _pages_work_under_their_csp(browser: Any, base: str) -> None:
    """Each page, with its Content-Security-Policy enforced: scripts run (login, live
    feed, Leaflet map) and the browser reports no violation."""
    ctx = await browser.new_context(viewport={"width": 1400, "height": 900})
    page = await ctx.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    await login(page, base, "/desk/", "calltaker", "demo-calltaker-110")
    await page.wait_for_selector("#feed-state.ok", timeout=10_000)
    await page.goto(f"{base}/desk/screen.html")
    await page.wait_for_selector(".leaflet-container", state="attached", timeout=10_000)
    await page.goto(f"{base}/desk/portal.html")
    await page.wait_for_selector("#app:not([hidden])", timeout=10_000)
    assert not violations, violations
    await ctx.close()
