"""Pure planar/spherical helpers for GeoJSON polygons.

Coordinates follow GeoJSON: a position is ``[lon, lat]`` and a Polygon's coordinates
are a list of linear rings (outer ring first, then holes), each ring closed (first
position repeated last). Functions that take a single point spell the order out in
their parameter names because callers elsewhere speak ``(lat, lon)``.

At the scale of one city (tens of kilometres) treating degrees as planar is exact
enough for containment; distances use the haversine formula.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Hashable, Iterator, Sequence
from typing import Generic, TypeVar

Ring = Sequence[Sequence[float]]
PolygonCoords = Sequence[Ring]
BBox = tuple[float, float, float, float]  # (min_lon, min_lat, max_lon, max_lat)

EARTH_RADIUS_M = 6_371_008.8  # IUGG mean radius

K = TypeVar("K", bound=Hashable)


def point_in_ring(lon: float, lat: float, ring: Ring) -> bool:
    """Ray casting (even-odd): count edges crossed by a ray going east from the point."""
    inside = False
    n = len(ring)
    j = n - 1
    for i in range(n):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        # The half-open test (yi > lat) != (yj > lat) counts a vertex on the ray once
        # and skips horizontal edges, so it never divides by zero below.
        if (yi > lat) != (yj > lat):
            x_cross = xi + (lat - yi) * (xj - xi) / (yj - yi)
            if lon < x_cross:
                inside = not inside
        j = i
    return inside


def point_in_polygon(lon: float, lat: float, polygon: PolygonCoords) -> bool:
    """True if the point is inside the outer ring and outside every hole."""
    if not polygon or not point_in_ring(lon, lat, polygon[0]):
        return False
    return not any(point_in_ring(lon, lat, hole) for hole in polygon[1:])


def bbox(polygon: PolygonCoords) -> BBox:
    outer = polygon[0]
    lons = [p[0] for p in outer]
    lats = [p[1] for p in outer]
    return (min(lons), min(lats), max(lons), max(lats))


def bbox_contains(box: BBox, lon: float, lat: float) -> bool:
    return box[0] <= lon <= box[2] and box[1] <= lat <= box[3]


def ring_area(ring: Ring) -> float:
    """Signed shoelace area in square degrees (positive when counter-clockwise)."""
    # Coordinates are taken relative to the first vertex: with raw values near
    # (106, 27) the cross products cancel and lose ~8 digits on a small grid.
    x0, y0 = ring[0][0], ring[0][1]
    total = 0.0
    for a, b in itertools.pairwise(ring):
        total += (a[0] - x0) * (b[1] - y0) - (b[0] - x0) * (a[1] - y0)
    return total / 2.0


def centroid(polygon: PolygonCoords) -> tuple[float, float]:
    """Area centroid of the outer ring as ``(lon, lat)``; vertex mean if degenerate."""
    outer = polygon[0]
    area = ring_area(outer)
    if abs(area) < 1e-15:
        pts = outer[:-1] if len(outer) > 1 else outer
        return (sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts))
    x0, y0 = outer[0][0], outer[0][1]
    cx = cy = 0.0
    for a, b in itertools.pairwise(outer):
        ax, ay, bx, by = a[0] - x0, a[1] - y0, b[0] - x0, b[1] - y0
        cross = ax * by - bx * ay
        cx += (ax + bx) * cross
        cy += (ay + by) * cross
    return (x0 + cx / (6.0 * area), y0 + cy / (6.0 * area))


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def degrees_window(lat: float, radius_m: float) -> tuple[float, float]:
    """Half-widths ``(dlat, dlon)`` in degrees of a box of the given radius around ``lat``."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    dlon = dlat / max(math.cos(math.radians(lat)), 1e-6)
    return dlat, dlon


class PolygonIndex(Generic[K]):
    """Bucket index over polygon bounding boxes for point lookups.

    The plane is cut into square buckets of ``cell_deg``; each polygon is listed in
    every bucket its bbox touches. A lookup tests only the few polygons of one bucket
    (bbox first, then ray casting), so locating a point among the city's ~2,000 grids
    costs a handful of ring tests.
    """

    def __init__(self, cell_deg: float = 0.02) -> None:
        self._cell = cell_deg
        self._buckets: dict[tuple[int, int], list[tuple[K, BBox, PolygonCoords]]] = defaultdict(
            list
        )
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def _bucket(self, lon: float, lat: float) -> tuple[int, int]:
        return (math.floor(lon / self._cell), math.floor(lat / self._cell))

    def add(self, key: K, polygon: PolygonCoords) -> None:
        box = bbox(polygon)
        x0, y0 = self._bucket(box[0], box[1])
        x1, y1 = self._bucket(box[2], box[3])
        entry = (key, box, polygon)
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                self._buckets[(x, y)].append(entry)
        self._size += 1

    def find_all(self, lon: float, lat: float) -> Iterator[K]:
        """Every polygon containing the point (more than one only if they overlap)."""
        for key, box, polygon in self._buckets.get(self._bucket(lon, lat), ()):
            if bbox_contains(box, lon, lat) and point_in_polygon(lon, lat, polygon):
                yield key

    def find(self, lon: float, lat: float) -> K | None:
        return next(self.find_all(lon, lat), None)
