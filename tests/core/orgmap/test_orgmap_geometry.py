from __future__ import annotations

import math

import pytest

from core.orgmap.geometry import (
    PolygonIndex,
    bbox,
    centroid,
    degrees_window,
    haversine_m,
    point_in_polygon,
    ring_area,
)

SQUARE = [[[0.0, 0.0], [2.0, 0.0], [2.0, 2.0], [0.0, 2.0], [0.0, 0.0]]]
# An L shape: the square minus its north-east quarter (concave at (1, 1)).
L_SHAPE = [[[0.0, 0.0], [2.0, 0.0], [2.0, 1.0], [1.0, 1.0], [1.0, 2.0], [0.0, 2.0], [0.0, 0.0]]]
WITH_HOLE = [
    SQUARE[0],
    [[0.5, 0.5], [1.5, 0.5], [1.5, 1.5], [0.5, 1.5], [0.5, 0.5]],
]


@pytest.mark.parametrize(
    ("lon", "lat", "inside"),
    [(1.0, 1.0, True), (0.1, 1.9, True), (2.1, 1.0, False), (-0.1, 1.0, False), (1, 3, False)],
)
def test_point_in_square(lon: float, lat: float, inside: bool) -> None:
    assert point_in_polygon(lon, lat, SQUARE) is inside


def test_concave_corner_is_outside_the_l_shape() -> None:
    assert point_in_polygon(0.5, 1.5, L_SHAPE)
    assert point_in_polygon(1.5, 0.5, L_SHAPE)
    assert not point_in_polygon(1.5, 1.5, L_SHAPE)


def test_a_point_in_a_hole_is_outside() -> None:
    assert not point_in_polygon(1.0, 1.0, WITH_HOLE)
    assert point_in_polygon(0.25, 1.0, WITH_HOLE)


def test_a_ray_through_a_vertex_counts_once() -> None:
    diamond = [[[1.0, 0.0], [2.0, 1.0], [1.0, 2.0], [0.0, 1.0], [1.0, 0.0]]]
    assert point_in_polygon(1.0, 1.0, diamond)  # ray hits the vertex (2, 1)
    assert not point_in_polygon(-1.0, 1.0, diamond)  # ray hits (0, 1) and (2, 1)


def test_bbox_and_centroid() -> None:
    assert bbox(L_SHAPE) == (0.0, 0.0, 2.0, 2.0)
    assert centroid(SQUARE) == pytest.approx((1.0, 1.0))
    # L of three unit squares: centroid at (5/6, 5/6).
    assert centroid(L_SHAPE) == pytest.approx((5 / 6, 5 / 6))
    assert ring_area(SQUARE[0]) == pytest.approx(4.0)  # counter-clockwise is positive


def test_degenerate_polygon_centroid_is_the_vertex_mean() -> None:
    line = [[[0.0, 0.0], [2.0, 0.0], [0.0, 0.0]]]
    assert centroid(line) == pytest.approx((1.0, 0.0))


def test_haversine_one_degree_of_latitude_is_about_111_km() -> None:
    assert haversine_m(27.0, 106.0, 28.0, 106.0) == pytest.approx(111_195, rel=1e-3)
    assert haversine_m(27.0, 106.0, 27.0, 106.0) == 0.0
    # A degree of longitude shrinks with cos(latitude).
    east = haversine_m(27.0, 106.0, 27.0, 107.0)
    assert east == pytest.approx(111_195 * math.cos(math.radians(27.0)), rel=1e-3)


def test_degrees_window_covers_the_radius() -> None:
    dlat, dlon = degrees_window(27.0, 1000.0)
    assert haversine_m(27.0, 106.0, 27.0 + dlat, 106.0) == pytest.approx(1000.0, rel=1e-6)
    assert haversine_m(27.0, 106.0, 27.0, 106.0 + dlon) >= 999.0


def test_polygon_index_finds_polygons_across_bucket_borders() -> None:
    index: PolygonIndex[str] = PolygonIndex(cell_deg=0.5)
    index.add("square", SQUARE)
    index.add("east", [[[2.0, 0.0], [4.0, 0.0], [4.0, 2.0], [2.0, 2.0], [2.0, 0.0]]])
    assert len(index) == 2
    assert index.find(1.9, 1.9) == "square"
    assert index.find(3.3, 0.2) == "east"
    assert index.find(5.0, 1.0) is None
    assert list(index.find_all(1.0, 1.0)) == ["square"]
