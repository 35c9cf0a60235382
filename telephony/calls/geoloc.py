"""Caller location from Asterisk's geolocation profile (RFC 6442 / PIDF-LO). Pure.

res_pjsip_geolocation turns the INVITE's PIDF-LO into the channel's effective profile;
over ARI the Stasis app reads it with the dialplan function GEOLOC_PROFILE():

    GEOLOC_PROFILE(format)         "GML" | "civicAddress" | "URI"
    GEOLOC_PROFILE(location_info)  shape="Point",crs="2d",pos="27.03 106.02"
                                   shape="Circle",crs="2d",pos="27.03 106.02",radius="50"
                                   URI="https://lis.example/loc/123"   (by reference)
    GEOLOC_PROFILE(method)         "GPS", "A-GPS", "Cell", "Manual" …

GML ``pos`` is "latitude longitude" (EPSG 4326 axis order), unlike GeoJSON.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PAIR = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*(?:"([^"]*)"|([^,]*))\s*(?:,|$)')


@dataclass(frozen=True, slots=True)
class CallerLocation:
    lat: float
    lon: float
    accuracy_m: float | None = None
    method: str | None = None


@dataclass(frozen=True, slots=True)
class LocationReference:
    """Location by reference: Asterisk does not fetch it; the app does (geoloc_fetch)."""

    uri: str


def parse_pairs(text: str) -> dict[str, str]:
    """``a="x",b=y`` → {"a": "x", "b": "y"}; quoted values may contain commas."""
    out: dict[str, str] = {}
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _PAIR.match(text, pos)
        if m is None:
            break
        out[m.group(1)] = m.group(2) if m.group(2) is not None else m.group(3).strip()
        pos = m.end()
    return out


def _point(pos: str) -> tuple[float, float] | None:
    parts = pos.split()
    if len(parts) < 2:  # "lat lon" or "lat lon alt" (crs 3d)
        return None
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def parse_location(
    fmt: str | None, info: str | None, method: str | None = None
) -> CallerLocation | LocationReference | None:
    """What the caller's network said about where the caller is; None when nothing
    usable came (no PIDF-LO, a civic address, a shape we do not read)."""
    if not info:
        return None
    pairs = parse_pairs(info)
    kind = (fmt or "").strip().lower()
    if kind == "uri" or ("URI" in pairs and kind != "gml"):
        uri = pairs.get("URI", "")
        return LocationReference(uri) if uri else None
    shape = pairs.get("shape", "").lower()
    if shape in ("point", "circle", "sphere"):
        point = _point(pairs.get("pos", ""))
        if point is None:
            return None
        radius = pairs.get("radius")
        try:
            accuracy = float(radius) if radius else None
        except ValueError:
            accuracy = None
        return CallerLocation(point[0], point[1], accuracy, method or None)
    if shape == "polygon":
        # posList: "lat1 lon1 lat2 lon2 …": the vertices' mean is good enough to
        # find the township; the polygon's extent is the uncertainty.
        numbers = pairs.get("posList", "").split()
        try:
            coords = [float(n) for n in numbers]
        except ValueError:
            return None
        lats, lons = coords[0::2], coords[1::2]
        if not lats or len(lats) != len(lons):
            return None
        centre = _point(f"{sum(lats) / len(lats)} {sum(lons) / len(lons)}")
        return CallerLocation(centre[0], centre[1], None, method or None) if centre else None
    return None
