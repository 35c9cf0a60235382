"""Live feeds (SSE) are capped per user: a login cannot hold hundreds open."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

import httpx
import pytest

from liandong.settings import Settings
from tests.agent_desktop.conftest import serve
from tests.conftest import login

pytestmark = pytest.mark.anyio


async def test_a_users_feeds_beyond_the_cap_are_refused_until_one_closes(
    settings: Settings,
) -> None:
    settings.desk.feed_max_per_user = 2
    async for base in serve(settings):
        async with httpx.AsyncClient(base_url=base, timeout=10) as http, AsyncExitStack() as st:
            leader = await login(http, "leader", "demo-leader-110")
            url = "/api/v1/desk/events?max_s=30"
            held = [await st.enter_async_context(http.stream("GET", url, headers=leader))
                    for _ in range(2)]  # fmt: skip
            assert all(r.status_code == 200 for r in held)
            third = await http.get(url, headers=leader)
            assert (third.status_code, third.json()["error_id"]) == (429, "too-many-feeds")
            other = await login(http, "auditor", "demo-auditor-110")
            short = "/api/v1/desk/events?max_s=0.2"
            assert (await http.get(short, headers=other)).status_code == 200  # per user
            await held[0].aclose()
            deadline = asyncio.get_running_loop().time() + 10
            while True:  # the slot comes back once the server sees the client gone
                r = await http.get(short, headers=leader)
                if r.status_code == 200:
                    break
                assert asyncio.get_running_loop().time() < deadline, "slot never released"
                await asyncio.sleep(0.1)
