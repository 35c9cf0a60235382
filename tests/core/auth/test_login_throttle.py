"""Finding 7: wrong passwords slow an account down but never lock its owner out; the
per-address limit counts the real peer, not a header any client can forge; an admin
can clear an account's failures."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI

from liandong.app import create_app
from liandong.settings import Settings
from tests.conftest import login
from tests.liandong.reliability.helpers import ROOT, wait_port
from tests.support.servers import free_port

pytestmark = pytest.mark.anyio

TOKEN = "/api/v1/auth/token"


async def _try(client: httpx.AsyncClient, user: str, pw: str, **kw: object) -> httpx.Response:
    return await client.post(TOKEN, data={"username": user, "password": pw}, **kw)  # type: ignore[arg-type]


async def _until_ok(client: httpx.AsyncClient, user: str, pw: str, limit_s: float) -> int:
    """Polls with the right password; how many attempts were refused as too early."""
    refused = 0
    deadline = asyncio.get_running_loop().time() + limit_s
    while asyncio.get_running_loop().time() < deadline:
        r = await _try(client, user, pw)
        if r.status_code == 200:
            return refused
        assert (r.status_code, r.json()["error_id"]) == (429, "too-many-attempts")
        refused += 1
        await asyncio.sleep(0.05)
    raise AssertionError(f"{user} never got in")


@pytest.fixture
async def slow_app(settings: Settings) -> AsyncIterator[FastAPI]:
    settings.auth.login_base_delay_s = 0.3
    settings.auth.login_per_address = 1000
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def slow(slow_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=slow_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def test_failures_slow_the_account_but_the_owner_gets_in_after_the_delay(
    slow: httpx.AsyncClient,
) -> None:
    for _ in range(5):
        assert (await _try(slow, "auditor", "guess")).status_code == 401
    early = await _try(slow, "auditor", "another-guess")
    assert (early.status_code, early.json()["error_id"]) == (429, "too-many-attempts")
    assert early.json()["details"]["retry_after_s"] >= 1
    # The right password works once the delay has passed: no 15-minute lockout.
    refused = await _until_ok(slow, "auditor", "demo-auditor-110", limit_s=5)
    assert refused >= 1  # it did have to wait
    await login(slow, "calltaker", "demo-calltaker-110")  # other accounts never waited


async def test_an_admin_clears_an_accounts_failures(slow: httpx.AsyncClient) -> None:
    for _ in range(5):
        await _try(slow, "leader", "guess")
    assert (await _try(slow, "leader", "demo-leader-110")).status_code == 429
    admin = await login(slow, "admin", "demo-admin-110")
    calltaker = await login(slow, "calltaker", "demo-calltaker-110")
    r = await slow.post("/api/v1/auth/users/leader/unlock", headers=calltaker)
    assert r.status_code == 403
    assert (await slow.post("/api/v1/auth/users/leader/unlock", headers=admin)).status_code == 204
    assert (await _try(slow, "leader", "demo-leader-110")).status_code == 200


def test_delays_grow_and_are_capped() -> None:
    from core.auth.throttle import LoginThrottle

    t = LoginThrottle(None, prefix="x", free_attempts=5, base_delay_s=1, max_delay_s=30)  # type: ignore[arg-type]
    assert [t.delay_s(n) for n in (4, 5, 6, 7, 9, 40)] == [0, 1, 2, 4, 16, 30]


@pytest.fixture
def served(
    sqlite_url: str, redis_url: str, redis_prefix: str
) -> Iterator[tuple[str, dict[str, str]]]:
    """``liandong serve`` for real (uvicorn, TCP): the per-address limit set to 3."""
    port = free_port()
    env = {
        **os.environ,
        "LIANDONG_MODE": "development",
        "LIANDONG_DATABASE__URL": sqlite_url,
        "LIANDONG_REDIS__URL": redis_url,
        "LIANDONG_REDIS__PREFIX": redis_prefix,
        "LIANDONG_AUTH__LOGIN_PER_ADDRESS": "3",
        "LIANDONG_LOG_JSON": "false",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "liandong", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_port(port, timeout=60)
        yield f"http://127.0.0.1:{port}", env
    finally:
        proc.terminate()
        proc.wait(10)


async def test_a_forged_forwarded_for_does_not_reset_the_per_address_limit(
    served: tuple[str, dict[str, str]],
) -> None:
    base, _env = served
    async with httpx.AsyncClient(base_url=base) as http:
        for i in range(3):
            xff = {"X-Forwarded-For": f"203.0.113.{i}"}
            r = await _try(http, f"user{i}", "guess", headers=xff)
            assert r.status_code == 401
        r = await _try(
            http, "calltaker", "demo-calltaker-110", headers={"X-Forwarded-For": "198.51.100.7"}
        )
    assert (r.status_code, r.json()["error_id"]) == (429, "too-many-attempts")


async def test_a_configured_proxy_is_believed(settings: Settings) -> None:
    settings.forwarded_allow_ips = ["127.0.0.1"]
    settings.auth.login_per_address = 2
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application, client=("127.0.0.1", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            for _ in range(2):
                await _try(c, "nobody", "guess", headers={"X-Forwarded-For": "203.0.113.9"})
            blocked = await _try(
                c, "calltaker", "demo-calltaker-110", headers={"X-Forwarded-For": "203.0.113.9"}
            )
            other = await _try(
                c, "calltaker", "demo-calltaker-110", headers={"X-Forwarded-For": "203.0.113.10"}
            )
    assert blocked.status_code == 429  # the proxy's client that failed is limited
    assert other.status_code == 200  # another client behind the same proxy is not
