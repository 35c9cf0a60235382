"""A local Weibo open API (mentions, comments, replies, fan-service messages) and a
pusher that signs fan-service pushes as Weibo does; both for tests and demos."""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import httpx

from channels.wechat.crypto import sign
from simulators.http import LocalFakeServer, StatefulHTTPServer

CREATED_AT = "Wed Nov 25 10:00:00 +0800 2026"  # Weibo's created_at format


@dataclass
class FakeWeiboState:
    token: str
    statuses: list[dict[str, Any]] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)
    posted: list[dict[str, str]] = field(default_factory=list)
    messages: list[dict[str, str]] = field(default_factory=list)
    since_seen: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_id: int = 5_000_000_000_000_000

    def mention(self, uid: str, text: str, geo: tuple[float, float] | None = None) -> str:
        with self.lock:
            self.next_id += 1
            sid = str(self.next_id)
            status: dict[str, Any] = {
                "id": int(sid),
                "idstr": sid,
                "created_at": CREATED_AT,
                "text": text,
                "user": {"id": int(uid), "idstr": uid, "screen_name": f"网友{uid[-4:]}"},
            }
            if geo:
                status["geo"] = {"type": "Point", "coordinates": list(geo)}
            self.statuses.append(status)
            return sid

    def comment(self, uid: str, text: str, status_id: str) -> str:
        with self.lock:
            self.next_id += 1
            cid = str(self.next_id)
            self.comments.append(
                {
                    "id": int(cid),
                    "idstr": cid,
                    "created_at": CREATED_AT,
                    "text": text,
                    "user": {"id": int(uid), "idstr": uid, "screen_name": f"网友{uid[-4:]}"},
                    "status": {"id": int(status_id), "idstr": status_id},
                }
            )
            return cid


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _json(self, status: int, body: Any) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _args(self) -> dict[str, str]:
        url = urlparse(self.path)
        args = {k: v[0] for k, v in parse_qs(url.query).items()}
        if self.command == "POST":
            n = int(self.headers.get("Content-Length") or 0)
            args.update({k: v[0] for k, v in parse_qs(self.rfile.read(n).decode()).items()})
        return args

    def _auth(self, args: dict[str, str]) -> bool:
        if args.get("access_token") != self.server.state.token:
            self._json(
                401,
                {
                    "error": "expired_token",
                    "error_code": 21327,
                    "request": urlparse(self.path).path,
                },
            )
            return False
        return True

    def do_GET(self) -> None:
        st, args = self.server.state, self._args()
        if not self._auth(args):
            return
        since = int(args.get("since_id", "0") or 0)
        count = int(args.get("count", "20"))
        path = urlparse(self.path).path
        with st.lock:
            st.since_seen.append(f"{path}:{since}")
        if path == "/2/statuses/mentions.json":
            items = [s for s in st.statuses if s["id"] > since]
            return self._json(200, {"statuses": items[-count:][::-1], "total_number": len(items)})
        if path == "/2/comments/to_me.json":
            items = [c for c in st.comments if c["id"] > since]
            return self._json(200, {"comments": items[-count:][::-1], "total_number": len(items)})
        return self._json(404, {"error": "not found", "error_code": 10014})

    def do_POST(self) -> None:
        st, args = self.server.state, self._args()
        if not self._auth(args):
            return
        path = urlparse(self.path).path
        if path in ("/2/comments/create.json", "/2/comments/reply.json"):
            text = args.get("comment", "")
            if not text or len(text) > 140:
                return self._json(400, {"error": "text too long", "error_code": 20012})
            with st.lock:
                st.next_id += 1
                st.posted.append({"path": path, **args})
                return self._json(200, {"id": st.next_id, "idstr": str(st.next_id), "text": text})
        if path == "/2/messages/reply.json":
            with st.lock:
                st.messages.append(
                    {"receiver_id": args.get("receiver_id", ""), **json.loads(args["data"])}
                )
            return self._json(200, {"result": True})
        return self._json(404, {"error": "not found", "error_code": 10014})


_Server = StatefulHTTPServer[FakeWeiboState]


class FakeWeiboServer(LocalFakeServer[FakeWeiboState]):
    def __init__(self, token: str) -> None:
        super().__init__(FakeWeiboState(token), _Handler)


class WeiboPusher:
    """Signs fan-service pushes as Weibo does: sha1(sort(app_secret, timestamp_ms, nonce))."""

    def __init__(self, app_secret: str, path: str = "/channels/weibo/push") -> None:
        self.app_secret = app_secret
        self.path = path

    def params(self, timestamp_ms: int | None = None) -> dict[str, str]:
        ts = str(timestamp_ms or int(time.time() * 1000))
        nonce = str(secrets.randbelow(10**8))
        return {"signature": sign(self.app_secret, ts, nonce), "timestamp": ts, "nonce": nonce}

    async def send(
        self, client: httpx.AsyncClient, push: dict[str, Any], **kw: Any
    ) -> httpx.Response:
        return await client.post(
            f"{self.path}?{urlencode(self.params(**kw))}",
            content=json.dumps(push, ensure_ascii=False).encode(),
        )
