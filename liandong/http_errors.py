"""The one place that maps the error tree to HTTP, plus the request-size guard."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.errors import LiandongError, MalformedJSON, PayloadTooLarge

log = logging.getLogger(__name__)


def _body(error_id: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error_id": error_id, "message": message, "details": details or {}}


def _value_error(exc: BaseException | None) -> bool:
    """True if a bad value (overflow, out of range) is at the root of ``exc``."""
    seen = 0
    while exc is not None and seen < 8:
        if isinstance(exc, OverflowError | ValueError):
            return True
        exc = getattr(exc, "orig", None) or exc.__cause__
        seen += 1
    return False


def install(app: FastAPI) -> None:
    @app.exception_handler(LiandongError)
    async def _domain(request: Request, exc: LiandongError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse(exc.to_dict(), status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            err = MalformedJSON("request body is not valid JSON")
            return JSONResponse(err.to_dict(), status_code=err.status)
        # Echo where and why, never the submitted values (they may be personal data).
        details = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")}
            for e in errors
        ]
        return JSONResponse(
            _body("invalid-request", "request does not match the schema", {"errors": details}),
            status_code=422,
        )

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        ids = {404: "not-found", 405: "method-not-allowed", 401: "not-authenticated"}
        return JSONResponse(
            _body(ids.get(exc.status_code, f"http-{exc.status_code}"), str(exc.detail)),
            status_code=exc.status_code,
        )

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    async def _database_down(request: Request, exc: Exception) -> JSONResponse:
        # The database is the source of truth: without it nothing was written.
        log.error("database unavailable", extra={"path": request.url.path, "error": str(exc)})
        return JSONResponse(
            _body("database-unavailable", "database unavailable; nothing was written"),
            status_code=503,
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(OverflowError)
    @app.exception_handler(DBAPIError)
    async def _out_of_range(request: Request, exc: Exception) -> JSONResponse:
        # A number past what the column holds (BIGINT ids in a body): the client's
        # mistake, and the transaction rolled back. Routes validate path and query
        # ids themselves (core.deps.IdPath); this catches what a body carries.
        # pysqlite raises OverflowError; asyncpg a DataError (a ValueError) that
        # SQLAlchemy wraps in DBAPIError. Any other driver error stays a 500.
        if not _value_error(exc):
            log.error("database error", exc_info=exc, extra={"path": request.url.path})
            return JSONResponse(_body("internal-error", "internal error"), status_code=500)
        log.info("value out of range", extra={"path": request.url.path})
        return JSONResponse(
            _body("invalid-request", "a value is out of range; nothing was written"),
            status_code=422,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        return JSONResponse(_body("internal-error", "internal error"), status_code=500)


class BodyLimitMiddleware:
    """Refuse bodies over ``limit`` bytes: by Content-Length up front, and by
    counting for chunked uploads that do not declare one."""

    def __init__(self, app: ASGIApp, limit: int, uploads: Sequence[tuple[str, int]] = ()) -> None:
        self.app = app
        self.limit = limit
        # Upload routes' own limits; "*" stands for one path segment.
        self.uploads = [
            (re.compile("^" + re.escape(p).replace(r"\*", "[^/]+") + "$"), n) for p, n in uploads
        ]

    def _limit(self, path: str) -> int:
        return next((n for pattern, n in self.uploads if pattern.match(path)), self.limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(str(scope.get("path", "")))
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                await self._refuse(send, limit)
                return
        seen = 0
        refused = False

        async def counting_receive() -> Message:
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # Answer 413 ourselves and tell the app the client went away: an
                    # exception here would be turned into a 400 by the body parser.
                    refused = True
                    await self._refuse(send, limit)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if not refused:
                await send(message)

        await self.app(scope, counting_receive, guarded_send)

    async def _refuse(self, send: Send, limit: int) -> None:
        err = PayloadTooLarge(f"request body over {limit} bytes", details={"limit": limit})
        response = JSONResponse(err.to_dict(), status_code=err.status)
        await response({"type": "http"}, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}
