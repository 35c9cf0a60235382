"""A local WeCom (企业微信) API for development and tests: ``gettoken`` checks the corp
id and secret, ``message/send`` checks the access token and the agent id and records
what was sent, so wechatpy's work client runs unchanged against it.

WeCom's wire facts kept here: errors come as HTTP 200 with an ``errcode``
(40013 invalid corpid, 40001 invalid secret, 40014 invalid token, 42001 expired,
40056 invalid agentid); a message to members outside the app's range still answers
0 and lists them in ``invaliduser``.
"""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlparse

from simulators.http import LocalFakeServer, StatefulHTTPServer


@dataclass
class FakeWeComState:
    corp_id: str
    secret: str
    agent_id: int
    # Member ids that exist; empty: everyone does.
    members: set[str] = field(default_factory=set)
    tokens: set[str] = field(default_factory=set)
    token_fetches: int = 0
    rejected_tokens: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _json(self, body: dict[str, Any]) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        url = urlparse(self.path)
        q = parse_qs(url.query)
        st = self.server.state
        if url.path != "/cgi-bin/gettoken":
            self.send_error(404)
            return
        if q.get("corpid") != [st.corp_id]:
            return self._json({"errcode": 40013, "errmsg": "invalid corpid"})
        if q.get("corpsecret") != [st.secret]:
            return self._json({"errcode": 40001, "errmsg": "invalid credential"})
        token = secrets.token_urlsafe(32)
        with st.lock:
            st.tokens.add(token)
            st.token_fetches += 1
        return self._json({"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200})

    def do_POST(self) -> None:
        url = urlparse(self.path)
        q = parse_qs(url.query)
        st = self.server.state
        if url.path != "/cgi-bin/message/send":
            self.send_error(404)
            return
        if q.get("access_token", [""])[0] not in st.tokens:
            with st.lock:
                st.rejected_tokens += 1
            return self._json({"errcode": 40014, "errmsg": "invalid access_token"})
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length).decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return self._json({"errcode": 47001, "errmsg": "data format error"})
        if body.get("agentid") != st.agent_id:
            return self._json({"errcode": 40056, "errmsg": "invalid agentid"})
        kind = body.get("msgtype")
        if kind not in ("text", "textcard") or not body.get(kind):
            return self._json({"errcode": 40008, "errmsg": "invalid message type"})
        users = [u for u in str(body.get("touser", "")).split("|") if u]
        if not users:
            return self._json({"errcode": 40031, "errmsg": "invalid user list"})
        unknown = [u for u in users if st.members and u not in st.members]
        with st.lock:
            if len(unknown) < len(users):
                st.sent.append(body)
            msgid = f"wecom-{len(st.sent)}-{secrets.token_hex(4)}"
        reply: dict[str, Any] = {"errcode": 0, "errmsg": "ok", "msgid": msgid}
        if unknown:
            reply["invaliduser"] = "|".join(unknown)
        return self._json(reply)


_Server = StatefulHTTPServer[FakeWeComState]


class FakeWeComServer(LocalFakeServer[FakeWeComState]):
    """``with FakeWeComServer(corp, secret, agent) as wx: settings.api_base = wx.url``."""

    def __init__(self, corp_id: str, secret: str, agent_id: int) -> None:
        super().__init__(FakeWeComState(corp_id, secret, agent_id), _Handler)
