"""Operational routes: /healthz, /status, /metrics."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from core.deps import state
from core.wiring import Services
from liandong import status
from liandong.hardening import ops_guard
from liandong.settings import Settings

router = APIRouter(tags=["system"])
RootSettings = Annotated[Settings, Depends(state("settings"))]


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/status",
    summary="Each component's health (database, Redis, Asterisk, ASR …)",
    dependencies=[Depends(ops_guard)],
)
async def get_status(c: Services, settings: RootSettings) -> Any:
    body = await status.collect(c, settings)
    return JSONResponse(body, status_code=503 if body["status"] == status.DOWN else 200)


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    dependencies=[Depends(ops_guard)],
)
async def metrics(c: Services) -> Response:
    return Response(generate_latest(c.metrics.registry), media_type=CONTENT_TYPE_LATEST)
