"""Headless Debian Chromium (driven by Playwright, never a downloaded browser), a
uvicorn server for it on a free port, and a local camera server with JPEG views.

Chromium runs with a fresh profile (Playwright's launch makes a throwaway
--user-data-dir) and without any network chatter of its own. In CI nothing here is
skipped: a missing browser is an error.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import select

from agent_desktop.cameras import camera_jpeg
from core.orgmap.tables import CameraRow
from core.storage.engine import Database
from liandong.app import create_app
from liandong.settings import Settings
from telephony.settings import TelephonySettings
from tests.support.asterisk import private_asterisk, telephony_for_tests, unavailable, unit_trunks
from tests.support.paths import ROOT
from tests.support.servers import free_port
from tests.telephony.conftest import (  # noqa: F401 - function-scoped, they use our `asterisk`
    intake_worker,
    stasis_app,
    tel_settings,
)

SCREENSHOTS = ROOT / "var" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        unavailable("Debian's chromium is not installed (scripts/bootstrap.sh installs it)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        unavailable("playwright (PyPI) is not installed")
    return CHROMIUM


@pytest.fixture(scope="session")
def asterisk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TelephonySettings]:
    """This directory's own Asterisk instance (tests/support/asterisk.py), with the
    same unit trunks as tests/telephony's, so a sipp desk phone can take calls."""
    t = telephony_for_tests("browser", outbound_trunks=unit_trunks())
    with private_asterisk(t, tmp_path_factory):
        yield t


@pytest.fixture(scope="session")
def screenshots() -> Iterator[Path]:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield SCREENSHOTS
    print(f"\nscreenshots: {SCREENSHOTS}")


class _CameraHandler(BaseHTTPRequestHandler):
    """GET /cam/<code>/snapshot.jpg → a fresh JPEG of that camera."""

    def do_GET(self) -> None:
        parts = self.path.split("?")[0].strip("/").split("/")
        if len(parts) != 3 or parts[0] != "cam":
            self.send_error(404)
            return
        body = camera_jpeg(parts[1], "TEST CAMERA")
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)
        self.server.hits += 1  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def camera_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _CameraHandler)
    server.hits = 0  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


async def point_cameras_at(settings: Settings, server: ThreadingHTTPServer) -> None:
    """Every camera's URLs → the local camera server (as a site points them at its
    video gateway)."""
    base = f"http://127.0.0.1:{server.server_address[1]}/cam"
    db = Database(settings.database)
    try:
        async with db.session() as s:
            for cam in await s.scalars(select(CameraRow)):
                cam.snapshot_url = f"{base}/{cam.code}/snapshot.jpg"
                cam.stream_url = f"{base}/{cam.code}/stream.mjpg"
    finally:
        await db.close()


async def serve(settings: Settings) -> AsyncIterator[str]:
    """The app under uvicorn on a free port in this event loop; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        await asyncio.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 15)


@pytest.fixture
async def browser(chromium_path: str) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        b = await p.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield b
        finally:
            await b.close()


async def login(page: Any, base: str, path: str, username: str, password: str) -> None:
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    await page.goto(f"{base}{path}")
    try:
        await page.wait_for_selector("#login input[name=username]", state="visible", timeout=10_000)
    except Exception as exc:
        raise AssertionError(f"no login form on {path}: {problems}") from exc
    await page.fill("#login input[name=username]", username)
    await page.fill("#login input[name=password]", password)
    await page.click("#login button[type=submit]")
    await page.wait_for_selector("#app:not([hidden])", timeout=10_000)


def copy_to_docs(names: list[str]) -> None:
    """Refresh docs/screenshots/ (linked from the README) when asked to."""
    if not os.environ.get("LIANDONG_UPDATE_DOC_SCREENSHOTS"):
        return
    docs = ROOT / "docs" / "screenshots"
    docs.mkdir(parents=True, exist_ok=True)
    for n in names:
        shutil.copy(SCREENSHOTS / n, docs / n)
