"""Deterministic Qianxi demo data and the bulk seeder.

README-demo: what is real and what is synthetic
-----------------------------------------------
Real (public names, from the mission text or widely published):
  * the city 黔西市, its seat in 莲城街道 (about 27.009 N, 106.032 E) and its rough extent;
  * the 15 towns, 莲城街道 and five ethnic townships (``qianxi.py``, placeholder=False);
  * the totals: 30 township-level units, 364 villages, 2,011 grids, 2,011 grid workers,
    12,807 grid assistants; the "1+N" township leadership; the duty tiers of R8;
  * landmark names that exist in Qianxi: 化屋村 (a village of 新仁苗族乡) and its scenic
    area, 东风湖, 观音洞遗址, 水西古城, 鸭池河大桥, 黔西站 (Chengdu-Guiyang railway),
    黔西市人民医院, 黔西市中医院, 黔西市第一中学. 中果河景区 is believed real but unchecked.
Placeholder (believed real, not confirmed here): 杜鹃/水西/文峰/永燊街道 and
  绿化/花溪/定新/仁和/中建 ethnic townships (``placeholder=True`` on their units).
Synthetic: every polygon and coordinate except the city seat (a jittered lattice, not a
  map); all village and community names except 化屋村; the other landmarks (township
  governments, schools, clinics, markets, police stations, 黔西城南客运站, 水西公园,
  六冲河大桥); every person, phone number, address, household, set-top box and camera.
  Camera URLs point at local placeholders; a real site points them at a GB/T 28181 gateway.

Everything derives from one seeded ``random.Random`` and no clock, so two runs give
identical data and tests can assert on it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy import insert as sa_insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.orgmap.demo_common import (
    CameraSpec,
    HouseholdSpec,
    NameMaker,
    PersonSpec,
    PhoneBook,
    PlaceSpec,
    UnitSpec,
)
from core.orgmap.demo_layout import build_units
from core.orgmap.demo_people import build_people
from core.orgmap.demo_places import Locator, build_cameras, build_households, build_places
from core.orgmap.models import LANDMARK_KINDS, PersonRole, UnitKind
from core.orgmap.tables import CameraRow, HouseholdRow, PersonRow, PlaceRow, UnitRow
from core.storage.engine import Database

DEFAULT_SEED = 110
CHUNK = 2000  # rows per INSERT batch: well under SQLite's bound-parameter limit

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class DemoData:
    units: list[UnitSpec]
    people: list[PersonSpec]
    places: list[PlaceSpec]
    cameras: list[CameraSpec]
    households: list[HouseholdSpec]


def generate_demo(seed: int = DEFAULT_SEED) -> DemoData:
    """Build the whole demo city in memory (pure: no I/O, no clock)."""
    rng = random.Random(seed)
    names, phones = NameMaker(rng), PhoneBook(rng)
    units = build_units(rng, phones)
    people = build_people(units, rng, names, phones)
    locator = Locator(units)
    gazetteer, landmarks, addresses = build_places(units, locator, rng)
    cameras = build_cameras(units, landmarks, locator, rng)
    households = build_households(addresses, rng, names, phones)
    return DemoData(units, people, gazetteer + landmarks + addresses, cameras, households)


async def seed_demo(db: Database, *, progress: Progress | None = None) -> dict[str, int]:
    """Write the demo city in one transaction; a no-op if any unit already exists.

    Returns the counts found in the database afterwards, with ``already_seeded`` 1 when
    nothing was written.
    """
    async with db.session() as s:
        # On SQLite the session's BEGIN IMMEDIATE holds the write lock from here on,
        # so two seeders racing serialise and the second sees the first one's units.
        if await s.scalar(select(func.count()).select_from(UnitRow)):
            return {"already_seeded": 1, **await _counts(s)}
        data = generate_demo()
        ids = await _insert_units(s, data.units, progress)
        people = [
            {"name": p.name, "role": str(p.role), "unit_id": ids[p.unit_code], "phone": p.phone,
             "title": p.title}
            for p in data.people
        ]  # fmt: skip
        await _bulk(s, PersonRow, "people", people, progress)
        places = [
            {"name": p.name, "kind": str(p.kind), "aliases": p.aliases, "lat": p.lat, "lon": p.lon,
             "township_id": _ref(ids, p.township_code), "grid_id": _ref(ids, p.grid_code)}
            for p in data.places
        ]  # fmt: skip
        await _bulk(s, PlaceRow, "places", places, progress)
        cameras = [
            {**_without(asdict(c), "township_code", "grid_code"),
             "township_id": _ref(ids, c.township_code), "grid_id": _ref(ids, c.grid_code)}
            for c in data.cameras
        ]  # fmt: skip
        await _bulk(s, CameraRow, "cameras", cameras, progress)
        households = [
            {**_without(asdict(h), "grid_code"), "grid_id": ids[h.grid_code]}
            for h in data.households
        ]
        await _bulk(s, HouseholdRow, "households", households, progress)
        return {"already_seeded": 0, **await _counts(s)}


def _ref(ids: dict[str, int], code: str | None) -> int | None:
    return ids[code] if code is not None else None


def _without(row: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in keys}


async def _bulk(
    s: AsyncSession,
    table: type[Any],
    stage: str,
    rows: Sequence[dict[str, Any]],
    progress: Progress | None,
) -> None:
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        await s.execute(sa_insert(table), list(chunk))
        if progress is not None:
            progress(stage, start + len(chunk), len(rows))


async def _insert_units(
    s: AsyncSession, units: list[UnitSpec], progress: Progress | None
) -> dict[str, int]:
    """Insert level by level so each level can name its parent's database id."""
    ids: dict[str, int] = {}
    levels = (
        (UnitKind.center,),
        (UnitKind.department, UnitKind.township),
        (UnitKind.village,),
        (UnitKind.grid,),
    )
    done = 0
    for kinds in levels:
        rows = [
            {"code": u.code, "name": u.name, "short_name": u.short_name, "kind": str(u.kind),
             "subkind": u.subkind and str(u.subkind), "parent_id": _ref(ids, u.parent_code),
             "tier": u.tier, "duty_hours": u.duty_hours, "phone": u.phone, "lat": u.lat,
             "lon": u.lon, "polygon": u.polygon, "placeholder": u.placeholder}
            for u in units
            if u.kind in kinds
        ]  # fmt: skip
        for start in range(0, len(rows), CHUNK):
            await s.execute(sa_insert(UnitRow), rows[start : start + CHUNK])
        done += len(rows)
        if progress is not None:
            progress("units", done, len(units))
        # Codes are unique, so reading them back is portable (no RETURNING ordering games).
        result = await s.execute(select(UnitRow.code, UnitRow.id).where(UnitRow.kind.in_(kinds)))
        ids.update({code: uid for code, uid in result})
    return ids


async def _counts(s: AsyncSession) -> dict[str, int]:
    async def count(table: type[Any], *where: Any) -> int:
        return int(await s.scalar(select(func.count()).select_from(table).where(*where)) or 0)

    return {
        "units": await count(UnitRow),
        "departments": await count(UnitRow, UnitRow.kind == UnitKind.department),
        "townships": await count(UnitRow, UnitRow.kind == UnitKind.township),
        "villages": await count(UnitRow, UnitRow.kind == UnitKind.village),
        "grids": await count(UnitRow, UnitRow.kind == UnitKind.grid),
        "people": await count(PersonRow),
        "grid_workers": await count(PersonRow, PersonRow.role == PersonRole.grid_worker),
        "grid_assistants": await count(PersonRow, PersonRow.role == PersonRole.grid_assistant),
        "places": await count(PlaceRow),
        "landmarks": await count(PlaceRow, PlaceRow.kind.in_(sorted(LANDMARK_KINDS))),
        "addresses": await count(PlaceRow, PlaceRow.kind == "address"),
        "cameras": await count(CameraRow),
        "households": await count(HouseholdRow),
        "set_top_boxes": await count(HouseholdRow, HouseholdRow.stb_device_id.is_not(None)),
    }
