"""/healthz, /status, /metrics and the OpenAPI document."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.anyio


async def test_healthz(client: httpx.AsyncClient) -> None:
    r = await client.get("/healthz")
    assert r.json() == {"status": "ok"}


async def test_status_reports_each_component_and_degrades_on_missing_optional_ones(
    client: httpx.AsyncClient,
) -> None:
    r = await client.get("/status")
    assert r.status_code == 200
    body = r.json()
    comps = body["components"]
    assert comps["database"]["status"] == "ok"
    assert comps["redis"]["status"] == "ok"
    assert comps["queue"]["status"] == "ok"
    assert comps["orgmap"] == {"status": "ok", "grids": 2011}
    for optional in ("asterisk", "asr"):  # no Asterisk, no speech model in this test
        assert comps[optional]["status"] == "degraded"
    assert comps["channels"] == {"status": "ok", "enabled": ["wechat", "sms", "stb", "weibo"]}
    assert body["status"] == "degraded"


async def test_status_is_down_not_crashing_when_redis_is_unreachable(settings: object) -> None:
    from liandong.app import create_app
    from liandong.settings import RedisSettings, Settings

    assert isinstance(settings, Settings)
    broken = settings.model_copy(update={"redis": RedisSettings(url="redis://127.0.0.1:1/0")})
    app = create_app(broken)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c,
    ):
        r = await c.get("/status")
        assert r.status_code == 503
        assert r.json()["components"]["redis"]["status"] == "down"
        assert r.json()["components"]["database"]["status"] == "ok"
        assert (await c.get("/healthz")).status_code == 200


async def test_metrics_count_requests_by_route_template(
    client: httpx.AsyncClient, calltaker: dict[str, str]
) -> None:
    await client.post(
        "/api/v1/contacts",
        headers=calltaker,
        json={"channel": "sms", "sender": "13800000031", "text": "噪音扰民"},
    )
    text = (await client.get("/metrics")).text
    assert 'liandong_contacts_total{channel="sms",hotline=""} 1.0' in text
    assert 'route="/api/v1/contacts",status="201"' in text


async def test_openapi_documents_the_intake_and_queue(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    for path in (
        "/api/v1/contacts",
        "/api/v1/queue",
        "/api/v1/cases/{number}",
        "/api/v1/auth/token",
        "/status",
    ):
        assert path in spec["paths"]


async def test_desk_page_is_served_in_chinese(client: httpx.AsyncClient) -> None:
    r = await client.get("/", follow_redirects=False)
    assert r.status_code == 307
    assert r.headers["location"] == "/desk/"
    page = await client.get("/desk/")
    assert page.status_code == 200
    assert '<html lang="zh-CN">' in page.text
    assert "接警台" in page.text


async def test_a_lost_database_is_503_with_an_id_not_a_stack_trace(
    settings: object, tmp_path: object
) -> None:
    from liandong.app import create_app
    from liandong.settings import DatabaseSettings, Settings

    assert isinstance(settings, Settings)
    gone = settings.model_copy(
        update={
            "database": DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path}/no/such/dir/x.db")
        }
    )
    app = create_app(gone)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c,
    ):
        r = await c.post("/api/v1/auth/token", data={"username": "a", "password": "b"})
        assert r.status_code == 503
        assert r.json()["error_id"] == "database-unavailable"
        assert "Traceback" not in r.text
