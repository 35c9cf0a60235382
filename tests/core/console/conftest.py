"""The app on SQLite and on PostgreSQL (the search has one index per database)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from liandong.app import create_app
from liandong.settings import Settings
from tests.conftest import login, make_settings


@pytest.fixture
def settings(db_url: str, redis_url: str, redis_prefix: str) -> Settings:
    return make_settings(db_url, redis_url, redis_prefix)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def dispatcher(client: httpx.AsyncClient) -> dict[str, str]:
    return await login(client, "dispatcher", "demo-dispatcher-110")


async def contact(
    client: httpx.AsyncClient, h: dict[str, str], text: str, sender: str, **extra: object
) -> str:
    body = {"channel": "phone", "hotline": "110", "sender": sender, "text": text, **extra}
    r = await client.post("/api/v1/contacts", headers=h, json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["case_number"])
