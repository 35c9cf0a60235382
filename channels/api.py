"""The one call the platform makes: ``channels.api.include(app)``.

It adds every channel's routes and wraps the app's lifespan so the channels'
services are built after the platform's Container (and closed before it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI

from channels.citizen.api import router as app_router
from channels.grid.api import router as grid_router
from channels.runtime import build_channels
from channels.sms.api import router as sms_router
from channels.stb.api import router as stb_router
from channels.wechat.api import router as wechat_router
from channels.weibo.api import router as weibo_router

ROUTERS: tuple[APIRouter, ...] = (
    wechat_router,
    sms_router,
    stb_router,
    app_router,
    grid_router,
    weibo_router,
)


def include(app: FastAPI) -> None:
    if getattr(app.state, "channels_included", False):
        return  # idempotent: tests and create_app may both call it
    app.state.channels_included = True
    for r in ROUTERS:
        app.include_router(r)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: FastAPI) -> AsyncIterator[Any]:
        ctx: AbstractAsyncContextManager[Any] = inner(a)
        async with ctx as state, AsyncExitStack() as stack:
            a.state.channels = await build_channels(a.state.container, stack)
            yield state

    app.router.lifespan_context = lifespan
