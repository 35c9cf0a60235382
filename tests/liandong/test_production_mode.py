"""Findings 14 and 15: production hides the API map and the operational endpoints,
an unconfigured install does not listen beyond loopback, every answer carries
security headers, and upload routes have their own body limit."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from channels.settings import ChannelsSettings
from core.auth.models import Role
from liandong.app import create_app
from liandong.settings import AuthSettings, Mode, Settings
from telephony.settings import TelephonySettings
from tests.conftest import login
from tests.liandong.test_cli import cli

pytestmark = pytest.mark.anyio


@pytest.fixture
async def prod(settings: Settings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    settings = settings.model_copy(
        update={
            "mode": Mode.production,
            "auth": AuthSettings(secret_key=SecretStr("p" * 40), cookie_secure=True),
            "telephony": TelephonySettings(
                ari_password=SecretStr("a" * 24), seat_secret=SecretStr("b" * 24)
            ),
            "channels": ChannelsSettings.model_validate(
                {name: {"enabled": False} for name in ("wechat", "sms", "stb", "weibo", "wecom")}
            ),
            "metrics_token": SecretStr("scrape-" + "m" * 30),
        }
    )
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c,
    ):
        yield app, c


async def test_production_hides_the_api_map_and_guards_status_and_metrics(
    prod: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, c = prod
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert (await c.get(path)).status_code == 404
    for path in ("/status", "/metrics"):
        r = await c.get(path)
        assert (r.status_code, r.json()["error_id"]) == (401, "not-authenticated")
    assert (await c.get("/healthz")).status_code == 200  # liveness says nothing
    await app.state.core.auth.create_user("boss", "a-long-password", Role.leader, "领导")
    await app.state.core.auth.create_user(
        "op", "a-long-password", Role.unit_staff, "单位", unit_id=1
    )
    leader = await login(c, "boss", "a-long-password")
    assert (await c.get("/status", headers=leader)).status_code in (200, 503)
    staff = await login(c, "op", "a-long-password")
    assert (await c.get("/metrics", headers=staff)).status_code == 403
    scrape = {"Authorization": "Bearer scrape-" + "m" * 30}
    assert (await c.get("/metrics", headers=scrape)).status_code == 200
    wrong = {"Authorization": "Bearer scrape-" + "x" * 30}
    assert (await c.get("/metrics", headers=wrong)).status_code == 401


def test_an_unconfigured_install_does_not_listen_beyond_loopback() -> None:
    out = cli("serve", "--host", "0.0.0.0", "--port", "1")  # noqa: S104 - the refusal under test
    assert out.returncode != 0
    assert "demo logins" in out.stderr and "LIANDONG_MODE=production" in out.stderr


async def test_answers_carry_nosniff_frame_and_csp_headers(client: httpx.AsyncClient) -> None:
    api = await client.get("/api/v1/queue")  # a 401 JSON answer
    page = await client.get("/desk/")
    for r in (api, page):
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert api.headers["content-security-policy"].startswith("default-src 'none'")
    assert "script-src 'self'" in page.headers["content-security-policy"]


async def test_the_photo_route_has_its_own_body_limit(client: httpx.AsyncClient) -> None:
    photo = {"photos": ("a.jpg", b"\xff\xd8\xff" + b"0" * (2 * 1024 * 1024), "image/jpeg")}
    r = await client.post("/api/v1/desk/cases/QX-1/progress", files=photo)
    assert r.status_code == 401  # past the size guard: only the login is missing
    r = await client.post("/api/v1/contacts", content=b"x" * (2 * 1024 * 1024))
    assert (r.status_code, r.json()["error_id"]) == (413, "body-too-large")
    huge = {"photos": ("a.jpg", b"0" * (25 * 1024 * 1024), "image/jpeg")}
    r = await client.post("/api/v1/desk/cases/QX-1/progress", files=huge)
    assert r.status_code == 413
