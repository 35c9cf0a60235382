"""HTTP routes for the org map: townships, locating a point, nearest cameras."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Depends, Query

from core.auth.deps import require
from core.auth.models import Principal
from core.auth.roles import Perm
from core.deps import state
from core.errors import NotFound
from core.orgmap.service import OrgMapService


class Needs(Protocol):
    """What these routes use of the core's services (``core.wiring.CoreServices``)."""

    @property
    def orgmap(self) -> OrgMapService: ...


Services = Annotated[Needs, Depends(state("core"))]


router = APIRouter(prefix="/api/v1/orgmap", tags=["orgmap"])

Reader = Annotated[Principal, Depends(require(Perm.orgmap_read))]
Lat = Annotated[float, Query(ge=-90, le=90)]
Lon = Annotated[float, Query(ge=-180, le=180)]


@router.get("/summary", summary="Unit counts by kind (center, departments, townships …)")
async def summary(user: Reader, c: Services) -> dict[str, int]:
    return await c.orgmap.unit_tree_summary()


@router.get("/townships", summary="The 30 township-level units with aliases")
async def townships(user: Reader, c: Services) -> list[dict[str, Any]]:
    return await c.orgmap.townships()


@router.get("/townships/resolve", summary="Official township for a name or alias (新仁乡)")
async def resolve(
    user: Reader, c: Services, name: Annotated[str, Query(min_length=1, max_length=100)]
) -> dict[str, Any]:
    found = await c.orgmap.find_township(name)
    if found is None:
        raise NotFound(f"no township called {name!r}", error_id="township-not-found")
    return found


@router.get("/locate", summary="Grid, village and township of a point, and nearby cameras")
async def locate(
    user: Reader, c: Services, lat: Lat, lon: Lon, cameras: Annotated[int, Query(ge=0, le=20)] = 4
) -> dict[str, Any]:
    placed = c.orgmap.locate(lat, lon)
    return {
        "placement": asdict(placed) if placed else None,
        "cameras": await c.orgmap.nearest_cameras(lat, lon, cameras),
    }
