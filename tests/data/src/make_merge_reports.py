"""Write the labelled report sets for measuring 并单 (``merge_reports_{dev,test}.jsonl``).

Synthetic and deterministic: events first, then the reports people make of them, so
every report carries the id of the event it is about — the label. Any two reports of
the same category within a rule's window are a labelled pair (same event or not).

* A 54 × 45 km square of 30 townships (9 km each, 6 × 5), each cut into 12 villages
  (3 × 2.25 km), each with 25 landmarks (schools, bridges, shops) at random points.
* 220 events over three hours: fights and thefts, house fires, collisions, people
  collapsed, floods and forest fires. A third of the street incidents (police,
  traffic, medical) fall in three "busy" villages (town centres), so different events
  close in place and time are common (the hard negatives); fires and floods fall
  anywhere, and a "second" flood or forest fire inside the first one's area and time
  is the same event.
* People who report a fire see it from where they are: their GPS is up to 600 m away.
* Each event gets 1–8 reports from different people (sometimes the same person twice),
  each located the way real reports are: GPS (mostly ±5–60 m; one in ten a coarse
  ±500–2,000 m cell fix), PIDF-LO (±100 m), a house address (the event's own 组 and 号),
  the nearest landmark (if within 400 m), the village or only the township named.

``python tests/data/src/make_merge_reports.py`` rewrites both files (seed 1 for dev,
seed 2 for test); the merge rules were set looking at dev only.
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

LAT0, LON0 = 27.0, 106.0
M_PER_DEG_LAT = 111_000.0
M_PER_DEG_LON = 111_000.0 * math.cos(math.radians(LAT0))
TOWN_M = 9000.0
VILLAGE_W, VILLAGE_H = 3000.0, 2250.0
KINDS = [  # (category, subtype, share)
    ("police", "fight", 0.22),
    ("police", "theft", 0.12),
    ("fire", "building_fire", 0.16),
    ("traffic", "collision", 0.18),
    ("medical", "unconscious", 0.14),
    ("government", "flood", 0.10),
    ("fire", "forest_fire", 0.08),
]
PRECISION = [  # (kind, share)
    ("gps", 0.35),
    ("sip_pidf", 0.10),
    ("address", 0.15),
    ("landmark", 0.15),
    ("village", 0.15),
    ("township", 0.10),
]
UNCERTAINTY = {"sip_pidf": 100.0, "address": 30.0, "landmark": 200.0, "village": 1500.0}
UNCERTAINTY["township"] = 8000.0
AREA = {"flood": (5000.0, 3 * 3600.0), "forest_fire": (4000.0, 2 * 3600.0)}


def latlon(x: float, y: float) -> tuple[float, float]:
    return round(LAT0 + y / M_PER_DEG_LAT, 6), round(LON0 + x / M_PER_DEG_LON, 6)


def pick(rng: random.Random, table: list[tuple[str, float]]) -> str:
    r, acc = rng.random(), 0.0
    for name, share in table:
        acc += share
        if r < acc:
            return name
    return table[-1][0]


def pick_kind(rng: random.Random) -> tuple[str, str]:
    r, acc = rng.random(), 0.0
    for category, subtype, share in KINDS:
        acc += share
        if r < acc:
            return category, subtype
    return KINDS[-1][0], KINDS[-1][1]


def generate(seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)  # noqa: S311 - a reproducible simulation, not secrets
    landmarks: dict[int, list[tuple[int, float, float]]] = {}
    next_landmark = 1
    for village in range(30 * 12):
        town, v = divmod(village, 12)
        ox = (town % 6) * TOWN_M + (v % 3) * VILLAGE_W
        oy = (town // 6) * TOWN_M + (v // 3) * VILLAGE_H
        pts = []
        for _ in range(25):
            pts.append(
                (next_landmark, ox + rng.random() * VILLAGE_W, oy + rng.random() * VILLAGE_H)
            )
            next_landmark += 1
        landmarks[village] = pts
    busy = [rng.randrange(360) for _ in range(3)]
    reports: list[dict[str, object]] = []
    areas: list[tuple[int, str, float, float, float]] = []  # event, subtype, x, y, start
    for event_no in range(220):
        category, subtype = pick_kind(rng)
        street = category in ("police", "traffic", "medical")
        village = rng.choice(busy) if street and rng.random() < 0.33 else rng.randrange(360)
        town, v = divmod(village, 12)
        x = (town % 6) * TOWN_M + (v % 3) * VILLAGE_W + rng.random() * VILLAGE_W
        y = (town // 6) * TOWN_M + (v // 3) * VILLAGE_H + rng.random() * VILLAGE_H
        start = rng.random() * 3 * 3600
        event = event_no
        if subtype in AREA:
            # A flood or a forest fire is one event over its whole area: a "second"
            # one inside the first one's radius and time is the same one, reported
            # by other people (that is what the ground truth must say).
            radius, window = AREA[subtype]
            for other, kind_, ax, ay, at in areas:
                near = math.hypot(ax - x, ay - y) <= radius and abs(at - start) <= window
                if kind_ == subtype and near:
                    event = other
                    break
            else:
                areas.append((event_no, subtype, x, y, start))
        group, house = rng.randrange(1, 12), rng.randrange(1, 80)
        people = rng.choice([1, 1, 2, 2, 3, 4, 5, 8])
        for person in range(people):
            sender = f"e{event}p{person}"
            if person and rng.random() < 0.1:
                sender = f"e{event}p0"  # the first caller again
            kind = pick(rng, PRECISION)
            names_town = True
            specific: list[str] = []
            numbers: dict[str, list[str]] = {}
            if kind == "gps":
                coarse = rng.random() < 0.1
                acc_m = rng.uniform(500, 2000) if coarse else rng.uniform(5, 60)
                angle, dist = rng.random() * 2 * math.pi, abs(rng.gauss(0, acc_m / 2))
                if category == "fire":
                    dist += rng.uniform(0, 600)  # seen from a distance
                px, py = x + dist * math.cos(angle), y + dist * math.sin(angle)
                uncertainty = acc_m
                names_town = rng.random() < 0.5
            elif kind == "sip_pidf":
                angle, dist = rng.random() * 2 * math.pi, abs(rng.gauss(0, 50))
                px, py = x + dist * math.cos(angle), y + dist * math.sin(angle)
                uncertainty = UNCERTAINTY[kind]
            elif kind == "address":
                px, py, uncertainty = x, y, UNCERTAINTY[kind]
                numbers = {"组": [str(group)], "号": [str(house)]}
                specific = [f"village:{village}"]
            else:
                near = min(landmarks[village], key=lambda p: math.hypot(p[1] - x, p[2] - y))
                if kind == "landmark" and math.hypot(near[1] - x, near[2] - y) <= 400:
                    px, py = near[1], near[2]
                    specific = [f"landmark:{near[0]}"]
                elif kind in ("landmark", "village"):
                    kind = "village"
                    px = (town % 6) * TOWN_M + (v % 3 + 0.5) * VILLAGE_W
                    py = (town // 6) * TOWN_M + (v // 3 + 0.5) * VILLAGE_H
                    specific = [f"village:{village}"]
                else:
                    px, py = (town % 6 + 0.5) * TOWN_M, (town // 6 + 0.5) * TOWN_M
                uncertainty = UNCERTAINTY[kind]
            lat, lon = latlon(px, py)
            reports.append(
                {
                    "event": event,
                    "category": category,
                    "subtype": subtype,
                    "at_s": round(start + rng.random() * 1200, 1),
                    "sender": sender,
                    "lat": lat,
                    "lon": lon,
                    "precision": kind,
                    "uncertainty_m": round(uncertainty, 1),
                    "places": {
                        "township": town + 1 if names_town else None,
                        "specific": specific,
                        "numbers": numbers,
                    },
                }
            )
    reports.sort(key=lambda r: float(r["at_s"]))  # type: ignore[arg-type]
    for i, r in enumerate(reports, 1):
        r["id"] = i
    return reports


if __name__ == "__main__":
    here = Path(__file__).resolve().parent.parent
    for name, seed in (("dev", 1), ("test", 2)):
        rows = generate(seed)
        path = here / f"merge_reports_{name}.jsonl"
        path.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
        )
        print(f"{len(rows)} reports -> {path}")
