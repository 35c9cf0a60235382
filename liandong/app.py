"""The app factory for the web process: ``create_app(settings)``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import fields

from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from agent_desktop.api import mount as mount_desktop
from channels.api import include as include_channels
from core.admin.api import router as admin_router
from core.auth.api import router as auth_router
from core.auth.audit_api import router as audit_router
from core.cases.api import router as cases_router
from core.cases.instructions_api import router as instructions_router
from core.clock import Clock, utc_clock
from core.console.api import router as console_router
from core.delivery.api import router as delivery_router
from core.escalation.api import router as escalation_router
from core.metrics import Metrics, MetricsMiddleware
from core.orgmap.api import router as orgmap_router
from core.triage.api import links_router as triage_links_router
from core.triage.api import router as queue_router
from feedback.api import router as feedback_router
from liandong import http_errors
from liandong.hardening import SecurityHeadersMiddleware, upload_limits
from liandong.settings import Mode, Settings
from liandong.system_api import router as system_router
from liandong.wiring import build_web
from reports.api import router as reports_router
from telephony.calls.api import router as calls_router
from telephony.calls.supervise_api import router as supervise_router
from telephony.seats.api import router as seats_router

DESCRIPTION = """黔西市110社会联动中心 · Liandong API.

Every call, message and alarm becomes a **contact**; each opens a **case** (工单) that
moves 受理 → 派单 → 签收 → 处置 → 办结 → 回访/评价 → 结案. Errors are JSON
`{"error_id", "message", "details"}` with a stable kebab-case `error_id`.
Authenticate with `POST /api/v1/auth/token` (OAuth2 password flow) and send
`Authorization: Bearer <token>`.
"""


def create_app(settings: Settings | None = None, clock: Clock = utc_clock) -> FastAPI:
    settings = settings or Settings()
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            web = await build_web(settings, stack, clock, metrics)
            # The routes read their services from app.state (core.deps.state).
            for f in fields(web):
                setattr(app.state, f.name, getattr(web, f.name))
            yield

    # Production publishes no API map: /docs, /redoc and /openapi.json are off.
    hidden = settings.mode is Mode.production
    app = FastAPI(
        title="Liandong 联动",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None if hidden else "/docs",
        redoc_url=None if hidden else "/redoc",
        openapi_url=None if hidden else "/openapi.json",
    )
    http_errors.install(app)
    for r in (
        system_router,
        auth_router,
        console_router,  # before cases_router: /cases/search is not a case number
        cases_router,
        queue_router,
        triage_links_router,
        orgmap_router,
        instructions_router,
        escalation_router,
        feedback_router,
        reports_router,
        calls_router,
        seats_router,
        supervise_router,
        delivery_router,
        audit_router,
        admin_router,
    ):
        app.include_router(r)
    mount_desktop(app)
    include_channels(app)
    # Outermost first: the size guard runs before anything reads the body.
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.add_middleware(
        http_errors.BodyLimitMiddleware,
        limit=settings.max_body_bytes,
        uploads=upload_limits(settings),
    )
    if settings.forwarded_allow_ips:
        # Only a configured proxy may say who the client is (uvicorn's own
        # proxy_headers is off in `serve`/`run`: it trusts 127.0.0.1 by default).
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.forwarded_allow_ips))
    return app
