"""The one call the app factory makes for the routes: ``channels.api.include(app)``."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from channels.citizen.api import router as app_router
from channels.delivery.api import router as delivery_router
from channels.grid.api import router as grid_router
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
    delivery_router,
)


def include(app: FastAPI) -> None:
    """Add every channel's routes; the shell's app factory builds the services they
    use (``channels.wiring.build_channels``) into ``app.state.channels``."""
    for r in ROUTERS:
        app.include_router(r)
