"""Demo geography: the unit tree with polygons that tile the city exactly.

How the tiling stays exact: the city box is cut by a 5 x 6 lattice of shared vertices
(interior ones jittered), so neighbouring townships share their edges vertex for
vertex. A township quad is cut into rows along straight iso-lines of its bilinear
patch, and each row into cells by straight chords between its bottom and top edges;
villages are cut the same way into grids. Every cut point lies on the straight edge it
splits, so the pieces cover their parent with no gap and no overlap (some vertices are
T-junctions, which containment tests do not mind). Pieces of a convex quad stay convex.
"""

from __future__ import annotations

import math
import random

from core.orgmap import qianxi
from core.orgmap.demo_common import PhoneBook, Point, Quad, UnitSpec, apportion
from core.orgmap.geometry import centroid, point_in_polygon
from core.orgmap.models import TownshipKind, UnitKind

# Row/column boundaries of the township lattice. The street columns/rows are narrower
# (urban units are small) and the city seat sits near the middle of 莲城's cell.
LAT_BOUNDS = (26.85, 26.95, 26.99, 27.03, 27.13, 27.25)
LON_BOUNDS = (105.75, 105.86, 105.96, 106.005, 106.06, 106.18, 106.35)
# Moving each lattice vertex by at most this share of its adjacent cells keeps every
# quad convex (a corner would have to cross its neighbours' diagonal, i.e. move 50%).
JITTER = 0.2
_KM_PER_DEG_LAT = 111.2

_VILLAGE_STEMS = (  # noqa: SIM905 - spaced names read better
    "凤凰 大寨 新华 龙场 红岩 青山 石板 杨柳 桃园 金星 沙坝 大坪 高峰 团结 和平 新民 光明 "
    "丰收 水井 河坝 岩脚 田坝 花园 向阳 双河 白泥 松林 茶园 核桃 鱼塘 营盘 马场 坪上 新庄 "
    "群益 共和 前进 长胜 红旗 联合 新街 大山 小河 龙井 太平 兴隆 永安 长岭 石桥 板桥 乐园 "
    "新寨 箐口 沙井 水田 新店 坝子 银山 金山 杉树 柏杨 黄桷 清水 海子 龙潭 安乐 幸福 新合 "
    "大湾 小寨 三合 五星 民主 高坡 岩头 青杠 竹林 梨树"
).split()
_COMMUNITY_STEMS = (  # noqa: SIM905 - spaced names read better
    "新华 文化 人民 南门 北门 东门 西门 中山 建设 锦绣 兴黔 阳光 滨河 桂花 紫薇 莲花 和谐 "
    "朝阳 东湖 城北 城南 新城 花园 金坪 育才 红旗 星光 幸福 团结 富民"
).split()


def lerp(a: Point, b: Point, t: float) -> Point:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)


def quad_point(quad: Quad, u: float, v: float) -> Point:
    """Bilinear map of ``(u, v)`` in the unit square onto the quad (inside for 0..1)."""
    sw, se, ne, nw = quad
    return lerp(lerp(sw, se, u), lerp(nw, ne, u), v)


def quad_polygon(quad: Quad) -> list[list[list[float]]]:
    """GeoJSON Polygon coordinates: one closed counter-clockwise ring."""
    return [[[p[0], p[1]] for p in (*quad, quad[0])]]


def _span_km(a: Point, b: Point) -> float:
    dx = (b[0] - a[0]) * math.cos(math.radians(a[1]))
    return math.hypot(dx, b[1] - a[1]) * _KM_PER_DEG_LAT


def _cuts(count: int, rng: random.Random) -> list[float]:
    """``count + 1`` increasing cut positions 0..1; interior ones jittered by < 1/3 step."""
    step = 1.0 / count
    inner = [i * step + rng.uniform(-0.3, 0.3) * step for i in range(1, count)]
    return [0.0, *inner, 1.0]


def partition_quad(quad: Quad, n: int, rng: random.Random) -> list[Quad]:
    """Cut a convex quad into ``n`` convex quads that tile it exactly (row-major, from SW)."""
    sw, se, ne, nw = quad
    width = (_span_km(sw, se) + _span_km(nw, ne)) / 2
    height = (_span_km(sw, nw) + _span_km(se, ne)) / 2
    rows = min(n, max(1, round(math.sqrt(n * height / max(width, 1e-9)))))
    per_row = apportion(n, [1.0] * rows)
    rng.shuffle(per_row)
    row_cuts = _cuts(rows, rng)
    pieces: list[Quad] = []
    for r, cells in enumerate(per_row):
        # The row's bottom and top edges are iso-lines v = const of the bilinear patch:
        # straight segments, shared exactly with the rows below and above.
        b0, b1 = quad_point(quad, 0, row_cuts[r]), quad_point(quad, 1, row_cuts[r])
        t0, t1 = quad_point(quad, 0, row_cuts[r + 1]), quad_point(quad, 1, row_cuts[r + 1])
        bottom, top = _cuts(cells, rng), _cuts(cells, rng)
        for c in range(cells):
            pieces.append(
                (
                    lerp(b0, b1, bottom[c]),
                    lerp(b0, b1, bottom[c + 1]),
                    lerp(t0, t1, top[c + 1]),
                    lerp(t0, t1, top[c]),
                )
            )
    return pieces


def township_lattice(rng: random.Random) -> list[list[Point]]:
    """Vertices ``[row][col]`` of the township lattice; the outer box edges stay straight."""
    rows, cols = len(LAT_BOUNDS) - 1, len(LON_BOUNDS) - 1
    lattice: list[list[Point]] = []
    for r in range(rows + 1):
        line: list[Point] = []
        for c in range(cols + 1):
            lon, lat = LON_BOUNDS[c], LAT_BOUNDS[r]
            if 0 < c < cols:
                span = min(LON_BOUNDS[c] - LON_BOUNDS[c - 1], LON_BOUNDS[c + 1] - LON_BOUNDS[c])
                lon += rng.uniform(-JITTER, JITTER) * span
            if 0 < r < rows:
                span = min(LAT_BOUNDS[r] - LAT_BOUNDS[r - 1], LAT_BOUNDS[r + 1] - LAT_BOUNDS[r])
                lat += rng.uniform(-JITTER, JITTER) * span
            line.append((lon, lat))
        lattice.append(line)
    return lattice


def _located(spec: UnitSpec, quad: Quad) -> UnitSpec:
    polygon = quad_polygon(quad)
    lon, lat = centroid(polygon)
    return UnitSpec(
        code=spec.code, name=spec.name, kind=spec.kind, parent_code=spec.parent_code,
        short_name=spec.short_name, subkind=spec.subkind, tier=spec.tier,
        duty_hours=spec.duty_hours, phone=spec.phone, lat=lat, lon=lon, polygon=polygon,
        placeholder=spec.placeholder, quad=quad, groups=spec.groups, seat=spec.seat,
    )  # fmt: skip


def _village_names(
    info: qianxi.TownshipInfo, count: int, seat: int, rng: random.Random
) -> list[str]:
    if info.kind is TownshipKind.street:
        return [f"{s}社区" for s in rng.sample(_COMMUNITY_STEMS, count)]
    real = list(qianxi.REAL_VILLAGES.get(info.name, ()))[: count - 1]
    stems = [s for s in _VILLAGE_STEMS if f"{s}村" not in real]
    names = real + [f"{s}村" for s in rng.sample(stems, count - 1 - len(real))]
    rng.shuffle(names)
    # A town's or township's seat is its own urban community, named after it.
    names.insert(seat, f"{info.short_name.removesuffix('乡')}社区")
    return names


def _seat_index(quads: list[Quad], point: Point) -> int:
    """The piece holding ``point`` (the government seat), else the middle piece."""
    for i, q in enumerate(quads):
        if point_in_polygon(point[0], point[1], quad_polygon(q)):
            return i
    return len(quads) // 2


def build_units(rng: random.Random, phones: PhoneBook) -> list[UnitSpec]:
    """Center, departments, 30 townships, 364 villages and 2,011 grids, parents first."""
    units = [
        UnitSpec(
            code=qianxi.CITY_CODE, name=qianxi.CENTER_NAME, kind=UnitKind.center,
            parent_code=None, short_name=qianxi.CENTER_SHORT, tier=1, duty_hours=24,
            phone=phones.landline(), lat=qianxi.CITY_SEAT_LAT, lon=qianxi.CITY_SEAT_LON,
        )
    ]  # fmt: skip
    for dept in qianxi.DEPARTMENTS:
        units.append(
            UnitSpec(
                code=dept.code, name=dept.name, kind=UnitKind.department,
                parent_code=qianxi.CITY_CODE, short_name=dept.short_name, tier=dept.tier,
                duty_hours=dept.duty_hours, phone=phones.landline(),
                lat=qianxi.CITY_SEAT_LAT + rng.uniform(-0.012, 0.012),
                lon=qianxi.CITY_SEAT_LON + rng.uniform(-0.012, 0.012),
            )
        )  # fmt: skip

    lattice = township_lattice(rng)
    quads: list[Quad] = []
    for info in qianxi.TOWNSHIPS:
        r, c = info.cell
        quads.append((lattice[r][c], lattice[r][c + 1], lattice[r + 1][c + 1], lattice[r + 1][c]))
    # Urban streets are denser: more communities per square kilometre.
    weights = [
        _quad_area_km2(q)
        * (4.0 if t.kind is TownshipKind.street else 1.0)
        * rng.uniform(0.85, 1.15)
        for q, t in zip(quads, qianxi.TOWNSHIPS, strict=True)
    ]
    village_counts = apportion(qianxi.TOTAL_VILLAGES, weights, minimum=5)
    # Grids are 3-5 village groups, not areas, so every village gets a similar number.
    grid_counts = apportion(
        qianxi.TOTAL_GRIDS, [rng.uniform(0.7, 1.3) for _ in range(qianxi.TOTAL_VILLAGES)], 3
    )
    grid_iter = iter(grid_counts)

    for t_idx, (info, quad, n_villages) in enumerate(
        zip(qianxi.TOWNSHIPS, quads, village_counts, strict=True), start=1
    ):
        t_code = f"{qianxi.CITY_CODE}-{t_idx:02d}"
        township = UnitSpec(
            code=t_code, name=info.name, kind=UnitKind.township, parent_code=qianxi.CITY_CODE,
            short_name=info.short_name, subkind=info.kind, tier=2, duty_hours=24,
            phone=phones.landline(), placeholder=info.placeholder,
        )  # fmt: skip
        units.append(_located(township, quad))
        v_quads = partition_quad(quad, n_villages, rng)
        seat_point = (
            (qianxi.CITY_SEAT_LON, qianxi.CITY_SEAT_LAT)
            if info.name == qianxi.SEAT_TOWNSHIP
            else None
        )
        seat = _seat_index(v_quads, seat_point or centroid(quad_polygon(quad)))
        v_names = _village_names(info, n_villages, seat, rng)
        for v_idx, (v_quad, v_name) in enumerate(zip(v_quads, v_names, strict=True), start=1):
            v_code = f"{t_code}-{v_idx:02d}"
            village = UnitSpec(
                code=v_code, name=v_name, kind=UnitKind.village, parent_code=t_code,
                phone=phones.landline(), seat=v_idx - 1 == seat,
            )  # fmt: skip
            units.append(_located(village, v_quad))
            n_grids = next(grid_iter)
            group = 1
            for g_idx, g_quad in enumerate(partition_quad(v_quad, n_grids, rng), start=1):
                n_groups = rng.randint(3, 5)
                grid = UnitSpec(
                    code=f"{v_code}-{g_idx}", name=f"{v_name}第{g_idx}网格",
                    kind=UnitKind.grid, parent_code=v_code,
                    groups=(group, group + n_groups - 1),
                )  # fmt: skip
                group += n_groups
                units.append(_located(grid, g_quad))
    return units


def _quad_area_km2(quad: Quad) -> float:
    sw, se, ne, nw = quad
    return (_span_km(sw, se) + _span_km(nw, ne)) / 2 * (_span_km(sw, nw) + _span_km(se, ne)) / 2
