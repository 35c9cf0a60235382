"""Properties of the deterministic Qianxi demo city (no database)."""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict

import pytest

from core.orgmap import qianxi
from core.orgmap.demo import DemoData, generate_demo
from core.orgmap.demo_common import UnitSpec, apportion
from core.orgmap.geometry import PolygonIndex, point_in_polygon, ring_area
from core.orgmap.models import LANDMARK_KINDS, PersonRole, PlaceKind, UnitKind

PLACEHOLDERS = {
    "杜鹃街道", "水西街道", "文峰街道", "永燊街道",
    "绿化白族彝族乡", "花溪彝族苗族乡", "定新彝族苗族乡", "仁和彝族苗族乡", "中建苗族彝族乡",
}  # fmt: skip


def _of(demo: DemoData, kind: UnitKind) -> list[UnitSpec]:
    return [u for u in demo.units if u.kind == kind]


def test_thirty_townships_five_streets_fifteen_towns_ten_ethnic(demo: DemoData) -> None:
    townships = _of(demo, UnitKind.township)
    assert len(townships) == 30
    assert Counter(t.subkind for t in townships) == {
        "street": 5,
        "town": 15,
        "ethnic_township": 10,
    }
    assert {t.name for t in townships if t.placeholder} == PLACEHOLDERS
    names = {t.name for t in townships}
    for confirmed in ("莲城街道", "观音洞镇", "新仁苗族乡", "五里布依族苗族乡", "钟山镇"):
        assert confirmed in names
    assert all(t.tier == 2 and t.duty_hours == 24 for t in townships)


def test_layout_cells_cover_the_lattice_once() -> None:
    cells = [t.cell for t in qianxi.TOWNSHIPS]
    assert sorted(cells) == [(r, c) for r in range(5) for c in range(6)]


def test_364_villages_and_2011_grids_under_them(demo: DemoData) -> None:
    villages, grids = _of(demo, UnitKind.village), _of(demo, UnitKind.grid)
    assert len(villages) == 364
    assert len(grids) == 2011
    township_codes = {u.code for u in _of(demo, UnitKind.township)}
    assert all(v.parent_code in township_codes for v in villages)
    village_codes = {v.code for v in villages}
    assert all(g.parent_code in village_codes for g in grids)
    assert all(re.fullmatch(r"QX-\d{2}-\d{2}-\d+", g.code) for g in grids)
    assert all(re.fullmatch(r".+第\d+网格", g.name) for g in grids)
    # Each grid covers 3-5 village groups (R1).
    assert all(g.groups and 3 <= g.groups[1] - g.groups[0] + 1 <= 5 for g in grids)


def test_codes_are_unique_and_village_names_unique_within_a_township(demo: DemoData) -> None:
    codes = [u.code for u in demo.units]
    assert len(codes) == len(set(codes))
    per_township: defaultdict[str | None, list[str]] = defaultdict(list)
    for v in _of(demo, UnitKind.village):
        per_township[v.parent_code].append(v.name)
    assert all(len(names) == len(set(names)) for names in per_township.values())
    streets = {t.code for t in _of(demo, UnitKind.township) if t.subkind == "street"}
    for code, names in per_township.items():
        if code in streets:
            assert all(n.endswith("社区") for n in names)
    xinren = next(t for t in _of(demo, UnitKind.township) if t.name == "新仁苗族乡")
    assert "化屋村" in per_township[xinren.code]


def test_departments_hang_under_the_center_with_r8_duty_tiers(demo: DemoData) -> None:
    (center,) = _of(demo, UnitKind.center)
    departments = _of(demo, UnitKind.department)
    assert center.name == "市110社会联动中心"
    assert all(d.parent_code == center.code for d in departments)
    for d in departments:
        assert (d.tier, d.duty_hours) in {(1, 24), (2, 12), (3, 8), (2, 8), (3, 12)}
    tier1 = {d.name for d in departments if d.tier == 1}
    assert {"市公安局指挥中心", "市消防救援大队", "市120急救指挥中心", "市公安局交警大队"} <= tier1


def _index(units: list[UnitSpec]) -> PolygonIndex[str]:
    index: PolygonIndex[str] = PolygonIndex()
    for u in units:
        assert u.polygon is not None
        index.add(u.code, u.polygon)
    return index


def test_every_point_of_the_city_falls_in_exactly_one_grid(demo: DemoData) -> None:
    by_code = {u.code: u for u in demo.units}
    grids = _index(_of(demo, UnitKind.grid))
    townships = _index(_of(demo, UnitKind.township))
    min_lon, min_lat, max_lon, max_lat = qianxi.CITY_BBOX
    rng = random.Random(2011)  # noqa: S311 - reproducible sample points, not secrets
    for _ in range(20_000):
        lon, lat = rng.uniform(min_lon, max_lon), rng.uniform(min_lat, max_lat)
        hits = list(grids.find_all(lon, lat))
        assert len(hits) == 1, (lon, lat, hits)
        village = by_code[by_code[hits[0]].parent_code or ""]
        township = by_code[village.parent_code or ""]
        assert village.polygon is not None
        assert township.polygon is not None
        assert point_in_polygon(lon, lat, village.polygon)
        assert point_in_polygon(lon, lat, township.polygon)
        assert list(townships.find_all(lon, lat)) == [township.code]


def test_children_areas_add_up_to_their_parent(demo: DemoData) -> None:
    area: defaultdict[str | None, float] = defaultdict(float)
    for u in demo.units:
        if u.polygon is not None:
            area[u.parent_code] += ring_area(u.polygon[0])
    for u in demo.units:
        if u.kind in (UnitKind.township, UnitKind.village) and u.polygon is not None:
            assert area[u.code] == pytest.approx(ring_area(u.polygon[0]), rel=1e-9)
    min_lon, min_lat, max_lon, max_lat = qianxi.CITY_BBOX
    city = (max_lon - min_lon) * (max_lat - min_lat)
    assert area[qianxi.CITY_CODE] == pytest.approx(city, rel=1e-9)


def test_the_city_seat_lies_in_lianchen(demo: DemoData) -> None:
    by_code = {u.code: u for u in demo.units}
    (hit,) = _index(_of(demo, UnitKind.township)).find_all(
        qianxi.CITY_SEAT_LON, qianxi.CITY_SEAT_LAT
    )
    assert by_code[hit].name == "莲城街道"


def test_people_follow_the_qianxi_model(demo: DemoData) -> None:
    roles = Counter(p.role for p in demo.people)
    assert roles[PersonRole.grid_worker] == 2011
    assert roles[PersonRole.grid_assistant] == 12807
    assert roles[PersonRole.mayor] == 1
    assert roles[PersonRole.party_secretary] == 1
    assert roles[PersonRole.deputy_mayor] == len(qianxi.PORTFOLIOS)
    assert roles[PersonRole.call_taker] >= 20
    grid_codes = {g.code for g in _of(demo, UnitKind.grid)}
    workers = Counter(p.unit_code for p in demo.people if p.role == PersonRole.grid_worker)
    assert set(workers) == grid_codes
    assert set(workers.values()) == {1}
    heads = Counter(p.unit_code for p in demo.people if p.role == PersonRole.unit_head)
    for u in demo.units:
        if u.kind in (UnitKind.township, UnitKind.department):
            assert heads[u.code] == 1
    phones = [p.phone for p in demo.people] + [h.phone for h in demo.households]
    assert len(phones) == len(set(phones))
    assert all(re.fullmatch(r"1\d{10}", phone) for phone in phones)
    assert all(2 <= len(p.name) <= 3 for p in demo.people)


def test_every_place_is_located_by_its_polygon(demo: DemoData) -> None:
    by_code = {u.code: u for u in demo.units}
    kinds = Counter(p.kind for p in demo.places)
    assert kinds[PlaceKind.township] == 30
    assert kinds[PlaceKind.village] == 364
    assert 190 <= sum(kinds[k] for k in LANDMARK_KINDS) <= 210
    assert kinds[PlaceKind.address] >= 3000
    for p in demo.places:
        assert p.grid_code is not None
        assert p.township_code is not None
        grid = by_code[p.grid_code]
        assert grid.polygon is not None
        assert point_in_polygon(p.lon, p.lat, grid.polygon)
        assert by_code[grid.parent_code or ""].parent_code == p.township_code
    addresses = [p.name for p in demo.places if p.kind == PlaceKind.address]
    assert len(addresses) == len(set(addresses))
    xinren = next(p for p in demo.places if p.name == "新仁苗族乡")
    assert "新仁乡" in xinren.aliases


def test_rural_addresses_name_a_village_group_of_their_grid(demo: DemoData) -> None:
    by_code = {u.code: u for u in demo.units}
    checked = 0
    for p in demo.places:
        m = re.search(r"(\d+)组\d+号$", p.name)
        if p.kind != PlaceKind.address or m is None or p.grid_code is None:
            continue
        groups = by_code[p.grid_code].groups
        assert groups is not None
        assert groups[0] <= int(m.group(1)) <= groups[1]
        checked += 1
    assert checked > 1000


def test_cameras_sit_in_the_city_with_local_stream_urls(demo: DemoData) -> None:
    assert len(demo.cameras) == 300
    assert [c.code for c in demo.cameras[:2]] == ["CAM-0001", "CAM-0002"]
    assert len({c.code for c in demo.cameras}) == 300
    for c in demo.cameras:
        assert c.grid_code is not None
        assert c.township_code is not None
        assert c.stream_url == f"http://127.0.0.1:8000/demo/cameras/{c.code}/stream.mjpg"
        assert c.snapshot_url.endswith(f"/{c.code}/snapshot.jpg")
    assert any(c.name.startswith("钟山镇农贸市场") for c in demo.cameras)


def test_households_and_set_top_boxes(demo: DemoData) -> None:
    assert len(demo.households) >= 3000
    boxes = [h.stb_device_id for h in demo.households if h.stb_device_id]
    assert 0.07 < len(boxes) / len(demo.households) < 0.13
    assert len(boxes) == len(set(boxes))
    assert all(re.fullmatch(r"STB-[0-9A-F]{8}", b) for b in boxes)
    assert all(1 <= h.members <= 8 for h in demo.households)


def test_two_runs_produce_identical_data(demo: DemoData) -> None:
    assert generate_demo() == demo
    assert generate_demo(seed=7).units != demo.units


def test_apportion_is_exact_and_respects_the_minimum() -> None:
    parts = apportion(2011, [1.0, 5.0, 0.01, 3.3], minimum=3)
    assert sum(parts) == 2011
    assert min(parts) >= 3
    assert apportion(10, [1.0, 1.0, 1.0]) == [4, 3, 3]
    with pytest.raises(ValueError, match="cannot split"):
        apportion(5, [1.0, 1.0], minimum=3)
