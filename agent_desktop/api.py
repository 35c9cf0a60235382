"""Serves the desktop's static pages under /desk (same origin as the API, so the
session cookie and CSRF header work without CORS)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"


def mount(app: FastAPI) -> None:
    app.mount("/desk", StaticFiles(directory=STATIC, html=True), name="desk")

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/desk/")
