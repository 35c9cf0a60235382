"""Demo gazetteer, cameras and households, each placed in its grid by point-in-polygon."""

from __future__ import annotations

import random
from dataclasses import dataclass

from core.orgmap import qianxi
from core.orgmap.demo_common import (
    CameraSpec,
    HouseholdSpec,
    NameMaker,
    PhoneBook,
    PlaceSpec,
    Point,
    UnitSpec,
)
from core.orgmap.demo_layout import quad_point
from core.orgmap.geometry import PolygonIndex
from core.orgmap.models import PlaceKind, TownshipKind, UnitKind

ADDRESSES = 6000
HOUSEHOLDS = 5000
CAMERAS = 300
STB_SHARE = 0.10
# Local placeholders served by the demo; a real site points these at its
# GB/T 28181 video gateway instead.
CAMERA_URL_BASE = "http://127.0.0.1:8000/demo/cameras"

_ROADS = (  # noqa: SIM905 - spaced names read better
    "人民路 中山路 建设路 文化路 南门路 北门路 莲城大道 水西大道 东湖路 桂花路 锦绣路 "
    "育才路 滨河路 新华路 解放路 工农路"
).split()
_GATES = {
    PlaceKind.bridge: ("桥头", "桥北", "桥南"),
    PlaceKind.scenic: ("入口", "停车场", "游客中心"),
}
_DEFAULT_GATES = ("东门", "西门", "南门", "北门", "门口", "广场")

# City landmarks: (name, kind, township, village or None, aliases). Which are real and
# which synthetic is listed in the ``demo`` module docstring; all positions are synthetic.
_CITY_LANDMARKS: tuple[tuple[str, PlaceKind, str, str | None, tuple[str, ...]], ...] = (
    ("黔西市人民政府", PlaceKind.government, "莲城街道", None, ("市政府",)),
    ("市110社会联动中心", PlaceKind.government, "莲城街道", None, ("联动中心", "110联动中心")),
    ("黔西市人民医院", PlaceKind.hospital, "莲城街道", None, ("市人民医院", "人民医院")),
    ("黔西市中医院", PlaceKind.hospital, "杜鹃街道", None, ("中医院",)),
    ("黔西市妇幼保健院", PlaceKind.hospital, "文峰街道", None, ("妇幼保健院",)),
    ("黔西市第一中学", PlaceKind.school, "水西街道", None, ("黔西一中", "一中")),
    ("黔西市第二中学", PlaceKind.school, "永燊街道", None, ("黔西二中", "二中")),
    ("黔西汽车客运站", PlaceKind.transport, "莲城街道", None, ("汽车站", "客运站")),
    ("黔西城南客运站", PlaceKind.transport, "文峰街道", None, ("城南车站",)),
    ("黔西站", PlaceKind.transport, "杜鹃街道", None, ("高铁站", "黔西高铁站")),
    ("水西古城", PlaceKind.scenic, "水西街道", None, ("水西古城景区",)),
    ("水西公园", PlaceKind.scenic, "文峰街道", None, ()),
    ("化屋村景区", PlaceKind.scenic, "新仁苗族乡", "化屋村", ("化屋", "化屋基")),
    ("东风湖", PlaceKind.scenic, "新仁苗族乡", "化屋村", ("东风湖景区",)),
    ("观音洞遗址", PlaceKind.scenic, "观音洞镇", None, ("观音洞",)),
    ("中果河景区", PlaceKind.scenic, "洪水镇", None, ("中果河",)),
    ("鸭池河大桥", PlaceKind.bridge, "谷里镇", None, ("鸭池河桥",)),
    ("六冲河大桥", PlaceKind.bridge, "定新彝族苗族乡", None, ("六冲河桥",)),
)


@dataclass(frozen=True, slots=True)
class _Town:
    unit: UnitSpec
    villages: list[UnitSpec]
    grids: dict[str, list[UnitSpec]]  # village code -> its grids

    @property
    def seat(self) -> UnitSpec:
        return next((v for v in self.villages if v.seat), self.villages[0])


class Locator:
    """Point-in-polygon over the generated grids (the same test the service uses)."""

    def __init__(self, units: list[UnitSpec]) -> None:
        self._index: PolygonIndex[str] = PolygonIndex()
        parent = {u.code: u.parent_code for u in units}
        self._township: dict[str, str] = {}
        for u in units:
            if u.kind == UnitKind.grid and u.polygon is not None and u.parent_code:
                self._index.add(u.code, u.polygon)
                self._township[u.code] = parent[u.parent_code] or ""

    def place(self, point: Point) -> tuple[str | None, str | None]:
        """``(township_code, grid_code)`` of a ``(lon, lat)`` point, or ``(None, None)``."""
        grid = self._index.find(point[0], point[1])
        return (self._township[grid], grid) if grid else (None, None)


def _towns(units: list[UnitSpec]) -> dict[str, _Town]:
    towns: dict[str, _Town] = {}
    by_code: dict[str, _Town] = {}
    for u in units:
        if u.kind == UnitKind.township:
            by_code[u.code] = towns[u.name] = _Town(u, [], {})
        elif u.kind == UnitKind.village and u.parent_code in by_code:
            by_code[u.parent_code].villages.append(u)
            by_code[u.code] = by_code[u.parent_code]
        elif u.kind == UnitKind.grid and u.parent_code in by_code:
            by_code[u.parent_code].grids.setdefault(u.parent_code, []).append(u)
    return towns


def _inside(grid: UnitSpec, rng: random.Random, margin: float = 0.15) -> Point:
    if grid.quad is None:
        raise ValueError(f"unit {grid.code} has no quad to draw points from")
    return quad_point(grid.quad, rng.uniform(margin, 1 - margin), rng.uniform(margin, 1 - margin))


def _centre(unit: UnitSpec) -> Point:
    if unit.lon is None or unit.lat is None:
        raise ValueError(f"unit {unit.code} has no position")
    return (unit.lon, unit.lat)


def _base(unit: UnitSpec) -> str:
    return (unit.short_name or unit.name).removesuffix("乡")


def _place(loc: Locator, name: str, kind: PlaceKind, aliases: list[str], point: Point) -> PlaceSpec:
    township, grid = loc.place(point)
    return PlaceSpec(name, kind, aliases, point[1], point[0], township, grid)


def _landmarks(towns: dict[str, _Town], loc: Locator, rng: random.Random) -> list[PlaceSpec]:
    out: list[PlaceSpec] = []
    for town in towns.values():
        t, base = town.unit, _base(town.unit)
        seat_grids = town.grids[town.seat.code]
        street = t.subkind == TownshipKind.street
        entries: tuple[tuple[str, PlaceKind, list[str]], ...] = (
            (f"{t.name}办事处" if street else f"{t.name}人民政府", PlaceKind.government,
             [f"{base}政府", f"{base}综治中心"]),
            (f"{base}派出所", PlaceKind.police, []),
            (f"{t.name}中心小学", PlaceKind.school, [f"{base}小学"]),
            (f"{base}中学", PlaceKind.school, []),
            (f"{t.name}社区卫生服务中心" if street else f"{t.name}卫生院", PlaceKind.hospital,
             [f"{base}卫生院"]),
            (f"{t.name}农贸市场", PlaceKind.market, [f"{base}农贸市场", f"{base}市场"]),
        )  # fmt: skip
        for name, kind, aliases in entries:
            out.append(_place(loc, name, kind, aliases, _inside(rng.choice(seat_grids), rng)))
    seat: Point = (qianxi.CITY_SEAT_LON, qianxi.CITY_SEAT_LAT)
    for name, kind, town_name, village_name, city_aliases in _CITY_LANDMARKS:
        town = towns[town_name]
        village = next((v for v in town.villages if v.name == village_name), town.seat)
        if name == "黔西市人民政府":
            point = seat
        elif name == qianxi.CENTER_NAME:
            point = (seat[0] + 0.0012, seat[1] - 0.0008)  # a short walk from the government
        else:
            point = _inside(rng.choice(town.grids[village.code]), rng)
        out.append(_place(loc, name, kind, list(city_aliases), point))
    return out


def _addresses(towns: dict[str, _Town], loc: Locator, rng: random.Random) -> list[PlaceSpec]:
    grids = [
        (town, village, grid)
        for town in towns.values()
        for village in town.villages
        for grid in town.grids[village.code]
    ]
    seen: set[str] = set()
    out: list[PlaceSpec] = []
    while len(out) < ADDRESSES:
        town, village, grid = rng.choice(grids)
        t, base = town.unit, _base(town.unit)
        if t.subkind == TownshipKind.street:
            tail = f"{rng.choice(_ROADS)}{rng.randint(1, 320)}号"
        else:
            first, last = grid.groups or (1, 1)
            tail = f"{rng.randint(first, last)}组{rng.randint(1, 60)}号"
        name = f"{t.name}{village.name}{tail}"
        if name in seen:
            continue
        seen.add(name)
        point = _inside(grid, rng, margin=0.05)
        out.append(_place(loc, name, PlaceKind.address, [f"{base}{village.name}{tail}"], point))
    return out


def build_places(
    units: list[UnitSpec], loc: Locator, rng: random.Random
) -> tuple[list[PlaceSpec], list[PlaceSpec], list[PlaceSpec]]:
    """``(gazetteer, landmarks, addresses)``; the gazetteer holds townships and villages."""
    towns = _towns(units)
    info = {t.name: t for t in qianxi.TOWNSHIPS}
    gazetteer: list[PlaceSpec] = []
    for town in towns.values():
        t, seat = town.unit, town.seat
        aliases = [*info[t.name].aliases, f"{qianxi.CITY_NAME}{t.name}"]
        point = _centre(seat)
        if t.name == qianxi.SEAT_TOWNSHIP:
            point = (qianxi.CITY_SEAT_LON, qianxi.CITY_SEAT_LAT)
        gazetteer.append(_place(loc, t.name, PlaceKind.township, aliases, point))
        for v in town.villages:
            v_aliases = list(dict.fromkeys([f"{t.name}{v.name}", f"{_base(t)}{v.name}"]))
            gazetteer.append(_place(loc, v.name, PlaceKind.village, v_aliases, _centre(v)))
    return gazetteer, _landmarks(towns, loc, rng), _addresses(towns, loc, rng)


def build_cameras(
    units: list[UnitSpec], landmarks: list[PlaceSpec], loc: Locator, rng: random.Random
) -> list[CameraSpec]:
    """One camera at every landmark, the rest at village committees (populated places)."""
    sites: list[tuple[str, Point]] = []
    for lm in landmarks:
        gate = rng.choice(_GATES.get(PlaceKind(lm.kind), _DEFAULT_GATES))
        sites.append((f"{lm.name}{gate}", (lm.lon, lm.lat)))
    towns = {u.code: u for u in units if u.kind == UnitKind.township}
    villages = [u for u in units if u.kind == UnitKind.village]
    for v in rng.sample(villages, max(0, CAMERAS - len(sites))):
        office = "社区服务中心" if v.name.endswith("社区") else "村委会"
        town = towns[v.parent_code].name if v.parent_code in towns else ""
        sites.append((f"{town}{v.name}{office}", _centre(v)))
    cameras: list[CameraSpec] = []
    for n, (name, (lon, lat)) in enumerate(sites[:CAMERAS], start=1):
        code = f"CAM-{n:04d}"
        # Mounted a few dozen metres from the site itself, but never outside the city.
        point: Point = (lon + rng.uniform(-4e-4, 4e-4), lat + rng.uniform(-3e-4, 3e-4))
        township, grid = loc.place(point)
        if grid is None:
            point = (lon, lat)
            township, grid = loc.place(point)
        cameras.append(
            CameraSpec(
                code, name, point[1], point[0], f"{CAMERA_URL_BASE}/{code}/stream.mjpg",
                f"{CAMERA_URL_BASE}/{code}/snapshot.jpg", township, grid,
            )
        )  # fmt: skip
    return cameras


def build_households(
    addresses: list[PlaceSpec], rng: random.Random, names: NameMaker, phones: PhoneBook
) -> list[HouseholdSpec]:
    households: list[HouseholdSpec] = []
    stb = 0
    for addr in addresses[:HOUSEHOLDS]:
        if addr.grid_code is None:  # cannot happen: addresses are drawn inside grids
            continue
        members = rng.choices(range(1, 9), weights=(8, 14, 20, 22, 16, 10, 6, 4))[0]
        device: str | None = None
        if rng.random() < STB_SHARE:
            # Odd multiplier: a bijection on 32 bits, so ids are unique but not sequential.
            device = f"STB-{(2_654_435_761 * stb + 0x9E3779B9) % 2**32:08X}"
            stb += 1
        households.append(
            HouseholdSpec(
                addr.name, names.person(), phones.mobile(), members, addr.lat, addr.lon,
                addr.grid_code, device,
            )
        )  # fmt: skip
    return households
