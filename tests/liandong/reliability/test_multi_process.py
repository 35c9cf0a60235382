"""Two API worker processes and two intake consumers at once: every contact is
processed exactly once and every case reaches the queue."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

import httpx
import pytest

from liandong.wiring import build
from tests.conftest import make_settings
from tests.liandong.reliability.helpers import classify_counts, spawn, stop, unprocessed, wait_port
from tests.support.barriers import intake_settled
from tests.support.servers import free_port

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

N = 120


async def test_two_apis_and_two_consumers_process_each_contact_once(
    db_url: str, redis_url: str, redis_prefix: str
) -> None:
    settings = make_settings(db_url, redis_url, redis_prefix)
    ports = [free_port(), free_port()]
    procs = [spawn(["serve", "--port", str(p)], settings) for p in ports]
    procs += [spawn(["worker", "--name", f"consumer-{i}"], settings) for i in range(2)]
    try:
        for p in ports:
            await asyncio.to_thread(wait_port, p)
        async with httpx.AsyncClient(timeout=30) as http:
            r = await http.post(
                f"http://127.0.0.1:{ports[0]}/api/v1/auth/token",
                data={"username": "calltaker", "password": "demo-calltaker-110"},
            )
            assert r.status_code == 200, r.text
            headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
            sem = asyncio.Semaphore(16)

            async def post(i: int) -> str:
                async with sem:
                    resp = await http.post(
                        f"http://127.0.0.1:{ports[i % 2]}/api/v1/contacts",
                        headers=headers,
                        json={
                            "channel": "app",
                            "sender": f"1390000{i:04d}",
                            "text": f"第{i}号诉求：楼道灯坏了",
                            "idempotency_key": f"k-{i}",
                        },
                    )
                    assert resp.status_code == 201, resp.text
                    return str(resp.json()["case_number"])

            numbers = await asyncio.gather(*(post(i) for i in range(N)))
        assert len(set(numbers)) == N

        async with AsyncExitStack() as stack:
            c = await build(settings, stack)
            # Every duplicate delivery (re-claims, republishes) has landed before counting.
            await intake_settled(c.db, c.redis, c.streams.stream, c.streams.group, 60)
            async with c.db.session() as s:
                assert await unprocessed(s) == 0
                counts = await classify_counts(s)
            assert len(counts) == N
            assert set(counts.values()) == {1}
            assert set(numbers) <= await c.workqueue.members()
            # Duplicate deliveries (re-claims, republishes) may still be in flight;
            # they must all be acknowledged, none dead-lettered.
            for _ in range(300):
                stats = await c.streams.stats()
                if stats["pending"] == 0:
                    break
                await asyncio.sleep(0.1)
            assert stats["pending"] == 0
            assert stats["dead"] == 0
        for p in procs:
            assert p.poll() is None, "a process died during the run"
    finally:
        for p in procs:
            stop(p)
