"""A local SMS provider API for development and tests: speaks both Aliyun's
Dysmsapi (ACS3-HMAC-SHA256 signed, RPC style) and Tencent Cloud's SMS API
(TC3-HMAC-SHA256 signed), and *verifies* each request's signature with the
configured keys, so the official SDKs run unchanged against it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, quote, urlparse

from simulators.http import LocalFakeServer, StatefulHTTPServer

TC_JSON = "application/json"


def _h(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def _pct(s: str) -> str:
    return quote(s, safe="-_.~")


def acs3_signature(
    secret: str, method: str, path: str, query: str, headers: dict[str, str], body: bytes
) -> tuple[str, str]:
    """(access key id, expected signature) for an ACS3-HMAC-SHA256 request
    (Alibaba Cloud's V3 request signature)."""
    auth = headers.get("authorization", "")
    parts = dict(p.split("=", 1) for p in auth.removeprefix("ACS3-HMAC-SHA256 ").split(","))
    signed = parts.get("SignedHeaders", "").split(";")
    canonical_query = "&".join(
        f"{_pct(k)}={_pct(v)}" for k, v in sorted(parse_qsl(query, keep_blank_values=True))
    )
    canonical_headers = "".join(f"{h}:{headers.get(h, '').strip()}\n" for h in signed)
    canonical = "\n".join(
        [
            method,
            path or "/",
            canonical_query,
            canonical_headers,
            ";".join(signed),
            headers.get("x-acs-content-sha256", _h(body)),
        ]
    )
    to_sign = f"ACS3-HMAC-SHA256\n{_h(canonical.encode())}"
    return parts.get("Credential", ""), hmac.new(
        secret.encode(), to_sign.encode(), hashlib.sha256
    ).hexdigest()


def tc3_signature(
    secret_key: str, service: str, headers: dict[str, str], body: bytes
) -> tuple[str, str]:
    """(secret id, expected signature) for a TC3-HMAC-SHA256 POST (Tencent Cloud API 3.0)."""
    auth = headers.get("authorization", "")
    fields = dict(p.strip().split("=", 1) for p in auth.removeprefix("TC3-HMAC-SHA256 ").split(","))
    secret_id, date, _svc, _ = (fields.get("Credential", "") + "////").split("/")[:4]
    signed = fields.get("SignedHeaders", "").split(";")
    canonical_headers = "".join(f"{h}:{headers.get(h, '').strip().lower()}\n" for h in signed)
    canonical = f"POST\n/\n\n{canonical_headers}\n{';'.join(signed)}\n{_h(body)}"
    ts = headers.get("x-tc-timestamp", "")
    scope = f"{date}/{service}/tc3_request"
    to_sign = f"TC3-HMAC-SHA256\n{ts}\n{scope}\n{_h(canonical.encode())}"
    key = _hmac(_hmac(_hmac(("TC3" + secret_key).encode(), date), service), "tc3_request")
    return secret_id, hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


@dataclass
class SentSms:
    provider: str
    phone: str
    text: str
    vendor_id: str
    out_id: str | None


@dataclass
class FakeSmsState:
    aliyun_keys: dict[str, str]  # access key id -> secret
    tencent_keys: dict[str, str]  # secret id -> secret key
    sent: list[SentSms] = field(default_factory=list)
    rejected_signatures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(
        self, status: int, body: dict[str, Any], ctype: str = "application/json;charset=utf-8"
    ) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        # Tencent's SDK looks for errors only under exactly "application/json".
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k.lower(): v for k, v in self.headers.items()}
        auth = headers.get("authorization", "")
        if auth.startswith("ACS3-HMAC-SHA256"):
            return self._aliyun(headers, body)
        if auth.startswith("TC3-HMAC-SHA256"):
            return self._tencent(headers, body)
        return self._reply(401, {"Code": "MissingAuthorization"})

    def _aliyun(self, headers: dict[str, str], body: bytes) -> None:
        st = self.server.state
        url = urlparse(self.path)
        akid, expected = acs3_signature(
            st.aliyun_keys.get(_credential(headers), ""),
            "POST",
            url.path,
            url.query,
            headers,
            body,
        )
        given = headers["authorization"].rsplit("Signature=", 1)[-1]
        rid = secrets.token_hex(8).upper()
        if akid not in st.aliyun_keys or not hmac.compare_digest(expected, given):
            with st.lock:
                st.rejected_signatures += 1
            return self._reply(
                400,
                {
                    "Code": "SignatureDoesNotMatch",
                    "Message": "Specified signature does not match our calculation.",
                    "RequestId": rid,
                },
            )
        q = dict(parse_qsl(url.query))
        if headers.get("x-acs-action") != "SendSms":
            return self._reply(404, {"Code": "InvalidAction.NotFound", "RequestId": rid})
        try:
            text = str(json.loads(q.get("TemplateParam", "{}")).get("content", ""))
        except ValueError:
            return self._reply(200, {"Code": "isv.INVALID_JSON_PARAM", "RequestId": rid})
        phones = q.get("PhoneNumbers", "")
        if not phones or not all(p.isdigit() for p in phones.split(",")):
            return self._reply(200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "RequestId": rid})
        biz = f"{secrets.randbelow(10**12):012d}^0"
        with st.lock:
            for p in phones.split(","):
                st.sent.append(SentSms("aliyun", p, text, biz, q.get("OutId")))
        return self._reply(200, {"Code": "OK", "Message": "OK", "BizId": biz, "RequestId": rid})

    def _tencent(self, headers: dict[str, str], body: bytes) -> None:
        st = self.server.state
        secret_id = _credential(headers).split("/")[0]
        sid, expected = tc3_signature(st.tencent_keys.get(secret_id, ""), "sms", headers, body)
        given = headers["authorization"].rsplit("Signature=", 1)[-1]
        rid = secrets.token_hex(16)
        if sid not in st.tencent_keys or not hmac.compare_digest(expected, given):
            with st.lock:
                st.rejected_signatures += 1
            err = {"Code": "AuthFailure.SignatureFailure", "Message": "signature mismatch"}
            return self._reply(200, {"Response": {"Error": err, "RequestId": rid}}, TC_JSON)
        req = json.loads(body or b"{}")
        params = req.get("TemplateParamSet") or [""]
        statuses = []
        for phone in req.get("PhoneNumberSet") or []:
            serial = f"{secrets.randbelow(10**10)}:{secrets.token_hex(8)}"
            with st.lock:
                st.sent.append(
                    SentSms("tencent", phone, str(params[0]), serial, req.get("SessionContext"))
                )
            statuses.append(
                {
                    "SerialNo": serial,
                    "PhoneNumber": phone,
                    "Fee": 1 + len(str(params[0])) // 67,
                    "SessionContext": req.get("SessionContext", ""),
                    "Code": "Ok",
                    "Message": "send success",
                    "IsoCode": "CN",
                }
            )
        return self._reply(
            200, {"Response": {"SendStatusSet": statuses, "RequestId": rid}}, TC_JSON
        )


def _credential(headers: dict[str, str]) -> str:
    auth = headers.get("authorization", "")
    for part in auth.replace(",", " ").split():
        if part.startswith("Credential="):
            return part.removeprefix("Credential=")
    return ""


_Server = StatefulHTTPServer[FakeSmsState]


class FakeSmsServer(LocalFakeServer[FakeSmsState]):
    def __init__(self, aliyun_keys: dict[str, str], tencent_keys: dict[str, str]) -> None:
        super().__init__(FakeSmsState(aliyun_keys, tencent_keys), _Handler)


def receipt_time(at: datetime | None = None) -> str:
    """Providers' receipt timestamps: ``YYYY-MM-DD HH:MM:SS`` in Beijing time."""
    from zoneinfo import ZoneInfo

    return (
        (at or datetime.now(UTC))
        .astimezone(ZoneInfo("Asia/Shanghai"))
        .strftime("%Y-%m-%d %H:%M:%S")
    )
