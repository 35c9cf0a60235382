"""Shared fixtures: real Redis, real SQLite files and real PostgreSQL databases.

The machine's Redis (127.0.0.1:6379) and PostgreSQL (127.0.0.1:5432) are used
when they answer; otherwise one throwaway server of each is started for the
session. Each test gets its own Redis key prefix and its own database, cloned
from a template that was migrated and seeded with the Qianxi demo data once.
In CI nothing is ever skipped: a missing server is an error.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import redis
from fastapi import FastAPI

from core.auth.service import AuthService
from core.clock import utc_clock
from core.orgmap.demo import seed_demo
from core.storage.engine import Database
from liandong.app import create_app
from liandong.demo.accounts import ensure_demo_accounts
from liandong.migrate import upgrade
from liandong.settings import (
    AuthSettings,
    DatabaseSettings,
    Mode,
    QueueSettings,
    RedisSettings,
    Settings,
)
from tests.support.servers import PostgresServer, RedisServer, port_open

RUN_ID = uuid.uuid4().hex[:8]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    if port_open("127.0.0.1", 6379):
        yield "redis://127.0.0.1:6379/0"
        return
    server = RedisServer().start()
    yield server.url
    server.close()


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    prefix = f"ldt-{RUN_ID}-{uuid.uuid4().hex[:8]}"
    yield prefix
    # Leave the shared Redis as we found it.
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    except redis.RedisError:
        pass  # a test that stopped this Redis on purpose
    finally:
        client.close()


async def _prepare(url: str) -> None:
    db = Database(DatabaseSettings(url=url))
    try:
        await upgrade(db)
        await seed_demo(db)
        auth = AuthService(db, AuthSettings(), demo_allowed=True, clock=utc_clock)
        await ensure_demo_accounts(db, auth)
    finally:
        await db.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tpl") / "template.db"
    asyncio.run(_prepare(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    target = tmp_path / "core.storage"
    shutil.copy(sqlite_template, target)
    return f"sqlite+aiosqlite:///{target}"


def _dsn(url: str, database: str) -> str:
    base = url.replace("postgresql+asyncpg://", "postgresql://").rsplit("/", 1)[0]
    return f"{base}/{database}"


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    configured = os.environ.get("LIANDONG_TEST_PG_URL")
    if configured:
        yield configured
        return
    if port_open("127.0.0.1", 5432):
        yield "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
        return
    try:
        server = PostgresServer().start()
    except RuntimeError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no PostgreSQL here and none could be started: {exc}")
    yield server.url
    server.close()


async def _admin(url: str, sql: str) -> None:
    conn = await asyncpg.connect(_dsn(url, "postgres"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def pg_template(pg_server_url: str) -> Iterator[str]:
    name = f"ld_tpl_{RUN_ID}"
    asyncio.run(_admin(pg_server_url, f"CREATE DATABASE {name}"))
    asyncio.run(
        _prepare(_dsn(pg_server_url, name).replace("postgresql://", "postgresql+asyncpg://"))
    )
    yield name
    asyncio.run(_admin(pg_server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture
def pg_url(pg_server_url: str, pg_template: str) -> Iterator[str]:
    name = f"ld_t_{RUN_ID}_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(pg_server_url, f"CREATE DATABASE {name} TEMPLATE {pg_template}"))
    yield _dsn(pg_server_url, name).replace("postgresql://", "postgresql+asyncpg://")
    asyncio.run(_admin(pg_server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest) -> str:
    """Runs the test once on SQLite and once on PostgreSQL."""
    url: str = request.getfixturevalue(f"{'pg' if request.param == 'postgres' else 'sqlite'}_url")
    return url


def make_settings(db: str, redis: str, prefix: str, **queue: Any) -> Settings:
    return Settings(
        mode=Mode.development,
        database=DatabaseSettings(url=db),
        redis=RedisSettings(url=redis, prefix=prefix),
        queue=QueueSettings(
            **{"claim_idle_ms": 500, "republish_after_s": 1.0, "relay_interval_s": 0.2, **queue}
        ),
        auth=AuthSettings(cookie_secure=False),
        log_json=False,
    )


@pytest.fixture
def settings(sqlite_url: str, redis_url: str, redis_prefix: str) -> Settings:
    return make_settings(sqlite_url, redis_url, redis_prefix)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def login(client: httpx.AsyncClient, username: str, password: str) -> dict[str, str]:
    r = await client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def wait_in_queue(
    client: httpx.AsyncClient, headers: dict[str, str], number: str, limit_s: float = 10.0
) -> dict[str, object]:
    """The queue item of ``number`` once it is there (the intake worker is asynchronous)."""
    deadline = asyncio.get_running_loop().time() + limit_s
    while asyncio.get_running_loop().time() < deadline:
        r = await client.get("/api/v1/queue", headers=headers)
        assert r.status_code == 200, r.text
        for item in r.json()["items"]:
            if item["case_number"] == number:
                return dict(item)
        await asyncio.sleep(0.05)
    raise AssertionError(f"{number} never reached the queue")


@pytest.fixture
async def calltaker(client: httpx.AsyncClient) -> dict[str, str]:
    return await login(client, "calltaker", "demo-calltaker-110")
