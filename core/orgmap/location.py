"""Fusing location evidence into one fix with a source and a confidence (pure).

Evidence, most to least trusted by default: a location typed by the call taker,
PIDF-LO from the carrier (res_pjsip_geolocation), device GPS (app, WeChat, grid
worker), the caller/device registry (a household's address; a set-top box is
registered to one household, so it is near-certain), then place names in the
text. A device fix's reported accuracy discounts it; two independent sources
within ``CORROBORATION_M`` of each other raise the winner's confidence.

Every location carries its **precision**: what kind of evidence placed it (``gps``,
``sip_pidf``, ``manual``, ``stb``, ``registry``, or the place named: ``address``,
``landmark``, ``village``, ``township``) and an **uncertainty** in metres — the
device's reported accuracy, else a default per kind (``UNCERTAINTY_M``). A report
placed at a township's centre is not "0 m" from another one there: each is ±8 km, and
merging (``core.triage.merge``) reads it so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

BASE_CONFIDENCE = {
    "manual": 0.95,
    "sip_pidf": 0.9,
    "gps": 0.85,
    "registry": 0.6,  # a phone's household: the caller may be elsewhere
    "stb": 0.9,  # a set-top box does not move
}
GAZETTEER_CONFIDENCE = {"address": 0.75, "landmark": 0.6, "village": 0.45, "township": 0.25}
# Metres within which the event lies, by precision, when the evidence states none.
# A village here is ~7 km² (364 villages over ~2,500 km²), a township ~80 km²; a
# registry household is where the caller lives, not where the event is.
UNCERTAINTY_M = {
    "manual": 50.0,
    "sip_pidf": 100.0,  # a PIDF-LO point without a radius (a circle gives accuracy_m)
    "gps": 50.0,
    "stb": 30.0,
    "registry": 3000.0,
    "address": 30.0,
    "landmark": 200.0,
    "village": 1500.0,
    "township": 8000.0,
}
UNKNOWN_UNCERTAINTY_M = 8000.0
CORROBORATION_M = 2000.0
ACCURACY_SCALE_M = 500.0  # a fix with ±500 m accuracy keeps half its confidence


@dataclass(frozen=True, slots=True)
class Candidate:
    lat: float
    lon: float
    source: str  # a LocationSource value, or "stb" for a registered set-top box
    confidence: float
    accuracy_m: float | None = None
    label: str | None = None  # address or place name when known
    precision: str = "unknown"  # see the module docstring
    uncertainty_m: float = UNKNOWN_UNCERTAINTY_M


@dataclass(frozen=True, slots=True)
class Fix:
    lat: float
    lon: float
    source: str
    confidence: float
    accuracy_m: float | None
    label: str | None
    others: tuple[Candidate, ...] = ()
    precision: str = "unknown"
    uncertainty_m: float = UNKNOWN_UNCERTAINTY_M


def device(
    lat: float, lon: float, source: str, accuracy_m: float | None = None, label: str | None = None
) -> Candidate:
    conf = BASE_CONFIDENCE.get(source, 0.5)
    if accuracy_m is not None and accuracy_m > 0:
        conf *= 1.0 / (1.0 + accuracy_m / ACCURACY_SCALE_M)
    default = UNCERTAINTY_M.get(source, UNKNOWN_UNCERTAINTY_M)
    # A stated accuracy replaces the default, except that a registry household stays
    # as vague as its meaning (the caller's home, not the event).
    uncertainty = default if accuracy_m is None or source == "registry" else accuracy_m
    return Candidate(lat, lon, source, round(conf, 3), accuracy_m, label, source, uncertainty)


def mentioned(lat: float, lon: float, kind: str, label: str) -> Candidate:
    conf = GAZETTEER_CONFIDENCE.get(kind, 0.3)
    uncertainty = UNCERTAINTY_M.get(kind, UNKNOWN_UNCERTAINTY_M)
    return Candidate(lat, lon, "gazetteer", conf, None, label, kind, uncertainty)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000.0 * math.asin(math.sqrt(a))


def fuse(candidates: Sequence[Candidate]) -> Fix | None:
    if not candidates:
        return None
    ranked = sorted(candidates, key=lambda c: c.confidence, reverse=True)
    best = ranked[0]
    agree = [
        c
        for c in ranked[1:]
        if c.source != best.source
        and distance_m(best.lat, best.lon, c.lat, c.lon) <= CORROBORATION_M
    ]
    conf = min(0.99, best.confidence + 0.05 * len(agree))
    label = best.label or next((c.label for c in agree if c.label), None)
    return Fix(
        best.lat,
        best.lon,
        best.source,
        round(conf, 3),
        best.accuracy_m,
        label,
        tuple(replace(c) for c in ranked[1:]),
        best.precision,
        best.uncertainty_m,
    )
