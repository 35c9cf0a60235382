"""OrgMapService: place points in the unit tree, find cameras and townships.

Grid polygons are loaded once (``load()``) into an in-memory bucket index, so
``locate`` is a synchronous, microsecond-scale call that the intake path can make for
every case. Township and camera look-ups read the database, which stays the source
of truth (cameras and aliases may change while the platform runs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from core.orgmap.geometry import PolygonIndex, degrees_window, haversine_m
from core.orgmap.models import PlaceKind, Placement, UnitKind
from core.orgmap.tables import CameraRow, PlaceRow, UnitRow
from core.storage.engine import Database

# Camera search starts at this radius and quadruples until enough are found.
CAMERA_SEARCH_START_M = 1_000.0
CAMERA_SEARCH_MAX_M = 64_000.0
# A bare short name (钟山, 重新, 协和) can be an ordinary word, so only these
# explicit forms may match as the start of a longer text such as an address.
_PREFIX_SUFFIXES = ("镇", "乡", "街道", "办")
_CITY_PREFIXES = ("黔西市", "黔西")


@dataclass(frozen=True, slots=True)
class _Grid:
    id: int
    code: str
    village_id: int


@dataclass(frozen=True, slots=True)
class _Named:
    id: int
    name: str
    parent_id: int | None


@dataclass(frozen=True, slots=True)
class _Loaded:
    index: PolygonIndex[int]
    grids: dict[int, _Grid]
    villages: dict[int, _Named]
    townships: dict[int, _Named]


class OrgMapService:
    """The org map read side: ``await load()`` once, then ``locate`` freely."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._loaded = _Loaded(PolygonIndex(), {}, {}, {})

    async def load(self) -> None:
        """(Re)load grid polygons and the village/township names they roll up to."""
        async with self._db.session() as s:
            rows = await s.execute(
                select(UnitRow.id, UnitRow.code, UnitRow.name, UnitRow.kind, UnitRow.parent_id,
                       UnitRow.polygon)
                .where(UnitRow.kind.in_([UnitKind.township, UnitKind.village, UnitKind.grid]))
            )  # fmt: skip
            loaded = _Loaded(PolygonIndex(), {}, {}, {})
            for uid, code, name, kind, parent_id, polygon in rows:
                if kind == UnitKind.township:
                    loaded.townships[uid] = _Named(uid, name, parent_id)
                elif kind == UnitKind.village:
                    loaded.villages[uid] = _Named(uid, name, parent_id)
                elif polygon and parent_id is not None:
                    loaded.grids[uid] = _Grid(uid, code, parent_id)
                    loaded.index.add(uid, polygon)
        # Swap in one assignment: a concurrent locate sees the old or the new map.
        self._loaded = loaded

    def township_name(self, township_id: int | None) -> str | None:
        t = self._loaded.townships.get(township_id) if township_id is not None else None
        return t.name if t else None

    def township_id(self, name: str) -> int | None:
        return next((t.id for t in self._loaded.townships.values() if t.name == name), None)

    def grid_count(self) -> int:
        return len(self._loaded.grids)

    def locate(self, lat: float, lon: float) -> Placement | None:
        """Grid, village and township of a point; None outside the map or before load."""
        m = self._loaded
        grid_id = m.index.find(lon, lat)
        if grid_id is None:
            return None
        grid = m.grids[grid_id]
        village = m.villages.get(grid.village_id)
        township = m.townships.get(village.parent_id) if village and village.parent_id else None
        if village is None or township is None:
            return None  # a grid whose parents were not loaded: treat as unplaced
        return Placement(township.id, township.name, village.id, village.name, grid.id, grid.code)

    async def nearest_cameras(self, lat: float, lon: float, limit: int = 4) -> list[dict[str, Any]]:
        """The ``limit`` cameras closest to the point, nearest first, with ``distance_m``."""
        if limit <= 0:
            return []
        radius = CAMERA_SEARCH_START_M
        async with self._db.session() as s:
            while True:
                dlat, dlon = degrees_window(lat, radius)
                query = select(CameraRow)
                if radius <= CAMERA_SEARCH_MAX_M:
                    query = query.where(
                        CameraRow.lat.between(lat - dlat, lat + dlat),
                        CameraRow.lon.between(lon - dlon, lon + dlon),
                    )
                cams = list(await s.scalars(query))
                ranked = sorted(
                    ((haversine_m(lat, lon, c.lat, c.lon), c) for c in cams),
                    key=lambda pair: (pair[0], pair[1].code),
                )
                # Only cameras within the radius are surely nearer than any outside the box.
                sure = [p for p in ranked if p[0] <= radius]
                if len(sure) >= limit or radius > CAMERA_SEARCH_MAX_M:
                    chosen = (sure if radius <= CAMERA_SEARCH_MAX_M else ranked)[:limit]
                    return [_camera_dict(c, d) for d, c in chosen]
                radius *= 4

    async def townships(self) -> list[dict[str, Any]]:
        """All township-level units in code order, with their aliases."""
        async with self._db.session() as s:
            units = list(
                await s.scalars(
                    select(UnitRow).where(UnitRow.kind == UnitKind.township).order_by(UnitRow.code)
                )
            )
            aliases: dict[int, list[str]] = {}
            for township_id, names in await s.execute(
                select(PlaceRow.township_id, PlaceRow.aliases).where(
                    PlaceRow.kind == PlaceKind.township
                )
            ):
                if township_id is not None:
                    aliases.setdefault(township_id, []).extend(str(n) for n in names or ())
        return [_township_dict(u, aliases.get(u.id, [])) for u in units]

    async def find_township(self, name_or_alias: str) -> dict[str, Any] | None:
        """Resolve an official name, short name or alias (新仁乡 → 新仁苗族乡).

        An exact match wins; otherwise the longest explicit form (one ending in
        镇/乡/街道/办) that starts the text, so "钟山镇凤凰村3组" finds 钟山镇.
        """
        text = "".join(name_or_alias.split())
        for prefix in _CITY_PREFIXES:
            if text.startswith(prefix) and len(text) > len(prefix):
                text = text.removeprefix(prefix)
                break
        if not text:
            return None
        townships = await self.townships()
        best: tuple[int, dict[str, Any]] | None = None
        for t in townships:
            keys = {t["name"], t["short_name"], *t["aliases"]} - {None, ""}
            if text in keys:
                return t
            for key in keys:
                explicit = key.endswith(_PREFIX_SUFFIXES) and text.startswith(key)
                if explicit and (best is None or len(key) > best[0]):
                    best = (len(key), t)
        return best[1] if best else None

    async def unit_tree_summary(self) -> dict[str, int]:
        """Unit counts by kind, plus townships by subkind (street/town/ethnic_township)."""
        async with self._db.session() as s:
            by_kind = await s.execute(select(UnitRow.kind, func.count()).group_by(UnitRow.kind))
            summary = {str(kind): int(n) for kind, n in by_kind}
            by_subkind = await s.execute(
                select(UnitRow.subkind, func.count())
                .where(UnitRow.kind == UnitKind.township)
                .group_by(UnitRow.subkind)
            )
            summary.update({str(sub): int(n) for sub, n in by_subkind if sub})
        for kind in UnitKind:
            summary.setdefault(kind.value, 0)
        return summary


def _camera_dict(c: CameraRow, distance_m: float) -> dict[str, Any]:
    return {
        "id": c.id,
        "code": c.code,
        "name": c.name,
        "lat": c.lat,
        "lon": c.lon,
        "stream_url": c.stream_url,
        "snapshot_url": c.snapshot_url,
        "township_id": c.township_id,
        "grid_id": c.grid_id,
        "distance_m": round(distance_m, 1),
    }


def _township_dict(u: UnitRow, aliases: list[str]) -> dict[str, Any]:
    return {
        "id": u.id,
        "code": u.code,
        "name": u.name,
        "short_name": u.short_name,
        "subkind": u.subkind,
        "tier": u.tier,
        "duty_hours": u.duty_hours,
        "phone": u.phone,
        "lat": u.lat,
        "lon": u.lon,
        "placeholder": u.placeholder,
        "aliases": aliases,
    }
