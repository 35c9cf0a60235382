"""HTTP hardening the app factory installs: security headers on every answer, and
who may read the operational endpoints in production.

Headers: ``X-Content-Type-Options: nosniff`` (no MIME sniffing of JSON or photos),
``X-Frame-Options: DENY`` plus CSP ``frame-ancestors 'none'`` (no clickjacking of
the desk), ``Referrer-Policy: no-referrer`` (case numbers stay out of other sites'
logs), and a Content-Security-Policy: JSON and files get ``default-src 'none'``;
HTML pages (desk, portal, big screen, HTML reports) may load their own scripts and
styles only, images from anywhere (camera snapshots, MJPEG streams and map tiles
live on other hosts) and connect only to us. The interactive docs (``/docs``,
``/redoc``, development only) load Swagger/ReDoc from a CDN and keep no CSP.
"""

from __future__ import annotations

import hmac

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.auth.deps import require
from core.auth.roles import Perm
from core.settings import Mode
from liandong.settings import Settings

HTML_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src * data: blob:; media-src *; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
DATA_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"
DOCS = ("/docs", "/redoc")
COMMON = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = str(scope.get("path", "")).startswith(DOCS)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", ()) if k not in dict(COMMON)]
                headers.extend(COMMON)
                kind = dict(headers).get(b"content-type", b"")
                if not docs and not any(k == b"content-security-policy" for k, _ in headers):
                    csp = HTML_CSP if kind.startswith(b"text/html") else DATA_CSP
                    headers.append((b"content-security-policy", csp.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


_stats_reader = require(Perm.stats_read)


async def ops_guard(request: Request) -> None:
    """/status and /metrics: open outside production (a developer's machine, CI);
    in production a login with ``stats:read`` or the Prometheus scrape token
    (``LIANDONG_METRICS_TOKEN``) — they name versions, URLs and queue depths."""
    settings: Settings = request.app.state.settings
    if settings.mode is not Mode.production:
        return
    token = settings.metrics_token
    header = request.headers.get("authorization", "")
    given = header[7:].strip().encode() if header[:7].lower() == "bearer " else b""
    if (
        token is not None
        and given
        and hmac.compare_digest(given, token.get_secret_value().encode())
    ):
        return
    await _stats_reader(request)


def upload_limits(settings: Settings) -> list[tuple[str, int]]:
    """Routes that take files, with their own body limit (a path pattern where ``*``
    is one segment): the global limit (1 MiB) would make the 5 MiB photo setting
    unreachable."""
    desk = settings.desk
    photos = desk.photo_max_bytes * desk.photos_per_report + 256 * 1024  # + multipart
    return [("/api/v1/desk/cases/*/progress", photos)]
