"""Serves the desktop's pages under /desk (same origin as the API, so the session
cookie and CSRF header work without CORS) and the small JSON routes they need
under /api/v1/desk. Other packages import only :func:`mount`."""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, FastAPI, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from redis.exceptions import RedisError
from sqlalchemy import select
from starlette.types import Scope

from agent_desktop import feed, service, stats
from agent_desktop.cameras import BOUNDARY, camera_jpeg, mjpeg
from agent_desktop.wiring import DeskContext
from core.auth.deps import client_address, require
from core.auth.models import ROLE_LABELS, Principal
from core.auth.roles import MATRIX, Perm, allows
from core.cases.lifecycle import Action
from core.cases.schemas import CaseActionIn
from core.cases.views import case_public
from core.deps import IdQuery
from core.errors import InvalidInput, NotFound, PermissionDenied, Unavailable
from core.orgmap.tables import UnitRow
from core.settings import Mode
from core.wiring import Services

STATIC = Path(__file__).parent / "static"

router = APIRouter(prefix="/api/v1/desk", tags=["desk"])

Reader = Annotated[Principal, Depends(require(Perm.cases_read))]
QueueReader = Annotated[Principal, Depends(require(Perm.queue_read))]
MapReader = Annotated[Principal, Depends(require(Perm.orgmap_read))]
Revealer = Annotated[Principal, Depends(require(Perm.phones_reveal))]
Handler = Annotated[Principal, Depends(require(Perm.cases_handle))]
StatsReader = Annotated[Principal, Depends(require(Perm.stats_read))]


def origin_allowed(request: Request, extra: tuple[str, ...]) -> bool:
    """Same-origin (or configured) pages only: a cookie-authenticated stream must not
    be readable by another site's page. Compares hosts, not schemes, so a TLS proxy
    in front of plain-HTTP workers still matches."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True  # browsers omit Origin on same-origin GETs
    if origin in extra:
        return True
    return urlsplit(origin).netloc == request.headers.get("host", "")


@router.get("/events", summary="Live feed (Server-Sent Events): queue, calls, transcript")
async def live_events(
    request: Request,
    user: Reader,
    c: Services,
    desk: DeskContext,
    max_s: Annotated[float | None, Query(gt=0, le=3600)] = None,
    last_event_id: Annotated[str | None, Query(max_length=64)] = None,
) -> StreamingResponse:
    if not origin_allowed(request, desk.settings.allowed_origins):
        raise PermissionDenied("feed refused for this origin", error_id="origin-refused")
    limit = desk.settings.feed_max_s
    resume = request.headers.get("last-event-id") or last_event_id
    return StreamingResponse(
        feed.feed(
            desk.hub,
            desk.settings,
            user,
            resume,
            max_s=min(max_s, limit) if max_s else limit,
            disconnected=request.is_disconnected,
        ),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.get("/config", summary="Map tiles, category vocabulary and what this user may do")
async def config(user: MapReader, c: Services, desk: DeskContext) -> dict[str, Any]:
    return {
        "center_name": c.settings.center_name,
        "tile_url": desk.settings.tile_url,
        "tile_attribution": desk.settings.tile_attribution,
        "user": {
            "username": user.username,
            "display_name": user.display_name,
            "role": user.role.value,
            "role_label": ROLE_LABELS[user.role],
            "unit_id": user.unit_id,
            "perms": sorted(p.value for p, roles in MATRIX.items() if user.role in roles),
        },
        **service.vocabulary(c),
    }


@router.get("/queue", summary="The work queue in order (up to 5,000 items) for the console")
async def desk_queue(
    user: QueueReader, c: Services, limit: Annotated[int, Query(ge=1, le=5000)] = 5000
) -> dict[str, Any]:
    try:
        items, total = await feed.queue_snapshot(c, limit, allows(user.role, Perm.phones_full))
    except (RedisError, OSError) as exc:
        raise Unavailable(
            "the work queue (Redis) is unreachable", error_id="queue-unavailable"
        ) from exc
    return {"items": items, "total": total, "server_now": time.time()}


@router.get("/cases/{number}", summary="Case panel: the case (phones masked), place, cameras")
async def case_panel(number: str, user: Reader, c: Services, request: Request) -> dict[str, Any]:
    async with c.db.session() as s:
        case = await c.cases.load(s, number)
        await c.cases.check_scope(s, case, user)
        # Masked for everyone here; the full number is one audited click away.
        view = await case_public(s, case, full_phones=False)
    lat, lon = case.lat, case.lon
    if lat is None:
        located = next((ct.location for ct in view.contacts if ct.location), None)
        lat, lon = (located.lat, located.lon) if located else (None, None)
    placement = c.orgmap.locate(lat, lon) if lat is not None and lon is not None else None
    cameras = (
        await c.orgmap.nearest_cameras(lat, lon, 4) if lat is not None and lon is not None else []
    )
    await c.auth.audit(user.username, "case.view", target=number, address=client_address(request))
    return {
        "case": view.model_dump(mode="json"),
        "point": {"lat": lat, "lon": lon} if lat is not None else None,
        "placement": asdict(placement) if placement else None,
        "cameras": cameras,
    }


@router.post("/cases/{number}/reveal", summary="Full phone numbers of a case (audited)")
async def reveal(number: str, user: Revealer, c: Services, request: Request) -> dict[str, Any]:
    await c.cases.act(number, Action.note, CaseActionIn(note="查看完整号码"), user)
    async with c.db.session() as s:
        case = await c.cases.load(s, number)
        view = await case_public(s, case, full_phones=True)
    await c.auth.audit(
        user.username, "phone.reveal", target=number, address=client_address(request)
    )
    return {
        "contacts": [{"id": ct.id, "sender": ct.sender} for ct in view.contacts],
        "summary": view.summary,
    }


@router.get("/cases/{number}/history", summary="The caller's earlier cases (repeat caller)")
async def history(number: str, user: QueueReader, c: Services, request: Request) -> dict[str, Any]:
    async with c.db.session() as s:
        case = await c.cases.load(s, number)
        out = await service.caller_history(s, case, full_phones=False, now=c.clock())
    await c.auth.audit(
        user.username, "caller.history", target=number, address=client_address(request)
    )
    return out


@router.get("/cases/{number}/transcript", summary="Final transcript lines of the case's calls")
async def case_transcript(
    number: str, user: Reader, c: Services, request: Request
) -> list[dict[str, Any]]:
    full = allows(user.role, Perm.phones_full)
    async with c.db.session() as s:
        case = await c.cases.load(s, number)
        await c.cases.check_scope(s, case, user)
        try:
            lines = await service.transcript(c, s, case, full_phones=full)
        except (RedisError, OSError):
            lines = []
    await c.auth.audit(
        user.username, "case.transcript", target=number, address=client_address(request)
    )
    return lines


@router.get("/cases/{number}/analysis", summary="Suggested category with explanation, dispatch")
async def analysis(
    number: str,
    user: Reader,
    c: Services,
    text: Annotated[str | None, Query(max_length=20000)] = None,
) -> dict[str, Any]:
    async with c.db.session() as s:
        case = await c.cases.load(s, number)
        await c.cases.check_scope(s, case, user)
        stored, hotline = await service.case_text(s, case)
        suggested = await service.suggestion(c, s, case)
    return {
        "classification": service.classify_text(c, f"{stored}\n{text or ''}", hotline),
        "current": {
            "category": case.category,
            "subtype": case.subtype,
            "priority": case.priority,
            "emergency": case.emergency,
        },
        "dispatch": suggested,
    }


@router.get("/units", summary="Departments and township centers (dispatch targets)")
async def units(user: MapReader, c: Services) -> list[dict[str, Any]]:
    async with c.db.session() as s:
        return await service.dispatch_units(s)


@router.get("/map/townships", summary="Township polygons for the map")
async def map_townships(user: MapReader, c: Services) -> list[dict[str, Any]]:
    async with c.db.session() as s:
        rows = await s.execute(
            select(UnitRow.id, UnitRow.name, UnitRow.lat, UnitRow.lon, UnitRow.polygon).where(
                UnitRow.kind == "township"
            )
        )
        return [
            {"id": i, "name": n, "lat": la, "lon": lo, "polygon": p} for i, n, la, lo, p in rows
        ]


@router.get("/map/grids", summary="Grid polygons of one township (or one grid)")
async def map_grids(
    user: MapReader,
    c: Services,
    township_id: IdQuery = None,
    grid_id: IdQuery = None,
) -> list[dict[str, Any]]:
    if township_id is None and grid_id is None:
        raise InvalidInput("give township_id or grid_id")
    async with c.db.session() as s:
        q = select(UnitRow.id, UnitRow.code, UnitRow.name, UnitRow.polygon).where(
            UnitRow.kind == "grid"
        )
        if grid_id is not None:
            q = q.where(UnitRow.id == grid_id)
        else:
            villages = select(UnitRow.id).where(UnitRow.parent_id == township_id)
            q = q.where(UnitRow.parent_id.in_(villages))
        return [
            {"id": i, "code": code, "name": n, "polygon": p} for i, code, n, p in await s.execute(q)
        ]


@router.get("/stats", summary="Supervisor view and big screen figures (R13)")
async def desk_stats(user: StatsReader, c: Services) -> dict[str, Any]:
    async with c.db.session() as s:
        out = await stats.dashboard(s, c.clock(), c.settings.cases.timezone)
    try:
        out["queue_total"] = await c.workqueue.size()
    except (RedisError, OSError):
        out["queue_total"] = None
    return out


@router.post("/cases/{number}/progress", summary="A unit's progress report with photos")
async def progress(
    number: str,
    user: Handler,
    c: Services,
    desk: DeskContext,
    note: Annotated[str, Form(min_length=1, max_length=2000)],
    photos: Annotated[list[UploadFile] | None, File()] = None,
) -> dict[str, Any]:
    files = photos or []
    if len(files) > desk.settings.photos_per_report:
        raise InvalidInput(
            f"at most {desk.settings.photos_per_report} photos per report",
            error_id="too-many-photos",
        )
    async with c.db.session() as s:
        case = await c.cases.load(s, number)
        await c.cases.check_scope(s, case, user)
    store = desk.photos
    # Read one byte past the limit: enough to refuse without holding a huge upload.
    blobs = [await f.read(store.max_bytes + 1) for f in files]
    saved = [store.save(number, b) for b in blobs]
    names = [p.name for p in saved]
    text = note + ("\n照片：" + "、".join(names) if names else "")
    await c.cases.act(number, Action.note, CaseActionIn(note=text[:5000]), user)
    return {"photos": names}


@router.get("/cases/{number}/photos/{name}", summary="One progress photo")
async def photo(
    number: str, name: str, user: Reader, c: Services, desk: DeskContext
) -> FileResponse:
    async with c.db.session() as s:
        case = await c.cases.load(s, number)
        await c.cases.check_scope(s, case, user)
    path = desk.photos.path(number, name)
    return FileResponse(
        path,
        media_type={"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}[path.suffix[1:]],
        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


demo_router = APIRouter(prefix="/demo/cameras", include_in_schema=False)


@demo_router.get("/{code}/snapshot.jpg")
async def demo_snapshot(code: str, c: Services, desk: DeskContext) -> Response:
    if c.settings.mode is Mode.production or not desk.settings.demo_cameras:
        raise NotFound("no demo cameras here", error_id="camera-not-found")
    return Response(camera_jpeg(code[:32]), media_type="image/jpeg",
                    headers={"Cache-Control": "no-store"})  # fmt: skip


@demo_router.get("/{code}/stream.mjpg")
async def demo_stream(code: str, c: Services, desk: DeskContext) -> StreamingResponse:
    if c.settings.mode is Mode.production or not desk.settings.demo_cameras:
        raise NotFound("no demo cameras here", error_id="camera-not-found")
    return StreamingResponse(
        mjpeg(code[:32]), media_type=f"multipart/x-mixed-replace; boundary={BOUNDARY}"
    )


# The pages load only their own scripts and styles; camera snapshots/MJPEG and a site's
# map tiles come from other hosts on the center's network (http or https), so images
# may; the API, the live feed and nothing else are fetched (connect-src 'self').
# Leaflet positions its panes through element.style (CSSOM), which style-src allows.
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        "img-src 'self' data: blob: http: https:; media-src 'self' blob: http: https:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; "
        "object-src 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}


class DeskFiles(StaticFiles):
    """The desk's static pages with the security headers above."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(SECURITY_HEADERS)
        return response


def mount(app: FastAPI) -> None:
    app.include_router(router)
    app.include_router(demo_router)
    app.mount("/desk", DeskFiles(directory=STATIC, html=True), name="desk")

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/desk/")
