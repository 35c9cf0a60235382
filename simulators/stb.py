"""A set-top box for tests and demos: signs requests exactly as a real box must."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

import httpx

from channels.stb.signing import signature

BASE = "/api/v1/channels/stb"


class FakeSetTopBox:
    def __init__(self, device_id: str, key: str) -> None:
        self.device_id = device_id
        self.key = key

    def headers(
        self, body: bytes, *, timestamp: int | None = None, nonce: str | None = None
    ) -> dict[str, str]:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        nonce = nonce or secrets.token_hex(12)
        return {
            "X-Device-Id": self.device_id,
            "X-Timestamp": ts,
            "X-Nonce": nonce,
            "X-Signature": signature(self.key, self.device_id, ts, nonce, body),
            "Content-Type": "application/json",
        }

    async def post(
        self, client: httpx.AsyncClient, path: str, payload: dict[str, Any], **kw: Any
    ) -> httpx.Response:
        body = json.dumps(payload).encode()
        return await client.post(f"{BASE}/{path}", content=body, headers=self.headers(body, **kw))

    async def alarm(self, client: httpx.AsyncClient, alarm_id: str, **kw: Any) -> httpx.Response:
        return await self.post(client, "alarm", {"alarm_id": alarm_id}, **kw)

    async def heartbeat(self, client: httpx.AsyncClient) -> httpx.Response:
        return await self.post(client, "heartbeat", {"firmware": "qx-stb-1.0"})
