"""Test harness shipped with the package: a local WeChat API server that speaks the
protocol, and a pusher that signs and encrypts pushes exactly as WeChat does.

Neither is used in production; both let the real adapters run unchanged in
development (``liandong demo channels``) and tests.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse
from xml.sax.saxutils import escape

import httpx
from wechatpy.crypto import WeChatCrypto

from channels.wechat.crypto import sign
from channels.wechat.settings import PATH
from simulators.http import LocalFakeServer, StatefulHTTPServer

ACCOUNT_ID = "gh_qx110demo0001"


@dataclass
class FakeWeChatState:
    app_id: str
    secret: str
    templates: set[str] = field(default_factory=set)
    valid_tokens: set[str] = field(default_factory=set)
    expired_tokens: set[str] = field(default_factory=set)
    token_fetches: int = 0
    custom: list[dict[str, Any]] = field(default_factory=list)
    template_sent: list[dict[str, Any]] = field(default_factory=list)
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    unsubscribed: set[str] = field(default_factory=set)
    # Followers whose last message is older than 48 h: customer-service → 45015.
    window_closed: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def expire_all(self) -> None:
        """Make every issued token expired (as after 7200 s): next call gets 42001."""
        with self.lock:
            self.expired_tokens |= self.valid_tokens
            self.valid_tokens.clear()


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _json(self, body: dict[str, Any]) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(200)  # WeChat answers errors with HTTP 200 and an errcode
        self.send_header("Content-Type", "application/json; encoding=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _token_error(self, q: dict[str, list[str]]) -> dict[str, Any] | None:
        st = self.server.state
        token = q.get("access_token", [""])[0]
        if not token:
            return {"errcode": 41001, "errmsg": "access_token missing"}
        if token in st.expired_tokens:
            return {"errcode": 42001, "errmsg": "access_token expired"}
        if token not in st.valid_tokens:
            return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"}
        return None

    def do_GET(self) -> None:
        url = urlparse(self.path)
        q = parse_qs(url.query)
        st = self.server.state
        if url.path == "/cgi-bin/token":
            if q.get("grant_type") != ["client_credential"]:
                return self._json({"errcode": 40002, "errmsg": "invalid grant_type"})
            if q.get("appid") != [st.app_id]:
                return self._json({"errcode": 40013, "errmsg": "invalid appid"})
            if q.get("secret") != [st.secret]:
                return self._json({"errcode": 40125, "errmsg": "invalid appsecret"})
            token = secrets.token_urlsafe(48)
            with st.lock:
                st.token_fetches += 1
                st.valid_tokens.add(token)
            return self._json({"access_token": token, "expires_in": 7200})
        if url.path == "/cgi-bin/media/get":
            err = self._token_error(q)
            if err:
                return self._json(err)
            item = st.media.get(q.get("media_id", [""])[0])
            if item is None:
                return self._json({"errcode": 40007, "errmsg": "invalid media_id"})
            data, ctype = item
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-disposition", 'attachment; filename="media"')
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return None
        self.send_error(404)
        return None

    def do_POST(self) -> None:
        url = urlparse(self.path)
        q = parse_qs(url.query)
        st = self.server.state
        err = self._token_error(q)
        if err:
            return self._json(err)
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length).decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return self._json({"errcode": 47001, "errmsg": "data format error"})
        touser = body.get("touser", "")
        if not isinstance(touser, str) or not touser:
            return self._json({"errcode": 40003, "errmsg": "invalid openid"})
        if touser in st.unsubscribed:
            return self._json({"errcode": 43004, "errmsg": "require subscribe"})
        if url.path == "/cgi-bin/message/custom/send":
            if touser in st.window_closed:
                return self._json({"errcode": 45015, "errmsg": "response out of time limit"})
            if body.get("msgtype") != "text" or not body.get("text", {}).get("content"):
                return self._json({"errcode": 40008, "errmsg": "invalid message type"})
            with st.lock:
                st.custom.append(body)
            return self._json({"errcode": 0, "errmsg": "ok"})
        if url.path == "/cgi-bin/message/template/send":
            if body.get("template_id") not in st.templates:
                return self._json({"errcode": 40037, "errmsg": "invalid template_id"})
            with st.lock:
                st.template_sent.append(body)
                msgid = 200_000_000 + len(st.template_sent)
            return self._json({"errcode": 0, "errmsg": "ok", "msgid": msgid})
        self.send_error(404)
        return None


_Server = StatefulHTTPServer[FakeWeChatState]


class FakeWeChatServer(LocalFakeServer[FakeWeChatState]):
    """``with FakeWeChatServer(app_id, secret) as wx: settings.api_base = wx.url``."""

    def __init__(self, app_id: str, secret: str, templates: set[str] | None = None) -> None:
        super().__init__(FakeWeChatState(app_id, secret, templates=set(templates or ())), _Handler)


def _cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def message_xml(
    msg_type: str,
    openid: str,
    *,
    to: str = ACCOUNT_ID,
    create_time: int | None = None,
    msg_id: int | None = None,
    **fields: str | int | float,
) -> str:
    """A push body as WeChat sends it (e.g. ``Content=…``, ``Location_X=…``)."""
    parts = [
        f"<ToUserName>{_cdata(to)}</ToUserName>",
        f"<FromUserName>{_cdata(openid)}</FromUserName>",
        f"<CreateTime>{create_time or int(time.time())}</CreateTime>",
        f"<MsgType>{_cdata(msg_type)}</MsgType>",
    ]
    for name, value in fields.items():
        text = _cdata(value) if isinstance(value, str) else escape(str(value))
        parts.append(f"<{name}>{text}</{name}>")
    if msg_id is not None:
        parts.append(f"<MsgId>{msg_id}</MsgId>")
    return "<xml>" + "".join(parts) + "</xml>"


@dataclass
class Push:
    params: dict[str, str]
    body: str


class WeChatPusher:
    """Signs (and in safe mode encrypts) pushes the way WeChat's servers do, using
    wechatpy's crypto; decrypts our encrypted replies the way WeChat checks them."""

    def __init__(
        self, token: str, app_id: str, encoding_aes_key: str | None, path: str = PATH
    ) -> None:
        self.token = token
        self.path = path
        self.crypto = WeChatCrypto(token, encoding_aes_key, app_id) if encoding_aes_key else None

    def build(self, xml: str, *, timestamp: int | None = None, nonce: str | None = None) -> Push:
        ts = str(timestamp or int(time.time()))
        nonce = nonce or secrets.token_hex(5)
        params = {"signature": sign(self.token, ts, nonce), "timestamp": ts, "nonce": nonce}
        if self.crypto is None:
            return Push(params, xml)
        envelope = self.crypto.encrypt_message(xml, nonce, ts)
        encrypt = envelope.split("<Encrypt><![CDATA[", 1)[1].split("]]>", 1)[0]
        params.update(encrypt_type="aes", msg_signature=sign(self.token, ts, nonce, encrypt))
        body = (
            f"<xml><ToUserName>{_cdata(ACCOUNT_ID)}</ToUserName>"
            f"<Encrypt>{_cdata(encrypt)}</Encrypt></xml>"
        )
        return Push(params, body)

    def url(self, push: Push) -> str:
        return f"{self.path}?{urlencode(push.params)}"

    async def send(self, client: httpx.AsyncClient, xml: str, **kw: Any) -> httpx.Response:
        push = self.build(xml, **kw)
        return await client.post(
            self.url(push), content=push.body.encode(), headers={"Content-Type": "text/xml"}
        )

    def open_reply(self, response_text: str) -> str:
        """The reply XML inside our (encrypted) answer, verified as WeChat would."""
        if self.crypto is None or response_text in ("", "success"):
            return response_text
        from channels.wechat.parser import parse_xml

        env = parse_xml(response_text)
        plain: str = self.crypto.decrypt_message(
            response_text, env["MsgSignature"], env["TimeStamp"], env["Nonce"]
        )
        return plain
