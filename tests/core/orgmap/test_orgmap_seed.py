"""Seeding the Qianxi demo city into a migrated SQLite file, then reading it back."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from core.orgmap.demo import seed_demo
from core.orgmap.service import OrgMapService
from core.orgmap.tables import CameraRow, HouseholdRow, UnitRow
from core.storage.engine import Database
from liandong.migrate import upgrade
from liandong.settings import DatabaseSettings

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    # Module scope so the seeded database (an async fixture) is shared by the tests.
    return "asyncio"


class Seeded:
    def __init__(self, db: Database, counts: dict[str, int], seconds: float,
                 stages: dict[str, tuple[int, int]]) -> None:  # fmt: skip
        self.db = db
        self.counts = counts
        self.seconds = seconds
        self.stages = stages
        self.orgmap = OrgMapService(db)


@pytest.fixture(scope="module")
async def seeded(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Seeded]:
    path: Path = tmp_path_factory.mktemp("orgmap") / "core.storage"
    db = Database(DatabaseSettings(url=f"sqlite+aiosqlite:///{path}"))
    try:
        await upgrade(db)
        stages: dict[str, tuple[int, int]] = {}

        def progress(stage: str, done: int, total: int) -> None:
            assert 0 < done <= total
            stages[stage] = (done, total)

        started = time.perf_counter()
        counts = await seed_demo(db, progress=progress)
        result = Seeded(db, counts, time.perf_counter() - started, stages)
        await result.orgmap.load()
        yield result
    finally:
        await db.close()


async def test_seed_writes_the_whole_city_quickly(seeded: Seeded) -> None:
    c = seeded.counts
    assert c["already_seeded"] == 0
    assert (c["townships"], c["villages"], c["grids"]) == (30, 364, 2011)
    assert (c["grid_workers"], c["grid_assistants"]) == (2011, 12807)
    assert c["cameras"] == 300
    assert 190 <= c["landmarks"] <= 210
    assert c["households"] >= 3000
    assert 0 < c["set_top_boxes"] < c["households"] // 5
    assert seeded.seconds < 30, f"seeding took {seeded.seconds:.1f}s"
    assert all(done == total for done, total in seeded.stages.values())
    assert set(seeded.stages) == {"units", "people", "places", "cameras", "households"}


async def test_seeding_again_writes_nothing(seeded: Seeded) -> None:
    again = await seed_demo(seeded.db)
    assert again["already_seeded"] == 1
    assert {k: v for k, v in again.items() if k != "already_seeded"} == {
        k: v for k, v in seeded.counts.items() if k != "already_seeded"
    }


async def test_grids_roll_up_to_villages_and_townships(seeded: Seeded) -> None:
    async with seeded.db.session() as s:
        units = {u.id: u for u in await s.scalars(select(UnitRow))}
    for u in units.values():
        if u.kind == "grid":
            assert u.parent_id is not None
            village = units[u.parent_id]
            assert village.kind == "village"
            assert village.parent_id is not None
            assert units[village.parent_id].kind == "township"
            assert u.polygon is not None
            assert u.lat is not None


async def test_the_city_seat_is_located_in_lianchen(seeded: Seeded) -> None:
    assert seeded.orgmap.grid_count() == 2011
    placed = seeded.orgmap.locate(27.009, 106.032)
    assert placed is not None
    assert placed.township_name == "莲城街道"
    assert placed.grid_code.startswith("QX-")
    assert seeded.orgmap.locate(39.9, 116.4) is None  # Beijing is not in Qianxi


async def test_locate_agrees_with_the_grid_of_every_household(seeded: Seeded) -> None:
    async with seeded.db.session() as s:
        households = list(await s.scalars(select(HouseholdRow).limit(500)))
    for h in households:
        placed = seeded.orgmap.locate(h.lat, h.lon)
        assert placed is not None
        assert placed.grid_id == h.grid_id


async def test_nearest_cameras_are_sorted_and_start_at_the_camera_itself(seeded: Seeded) -> None:
    async with seeded.db.session() as s:
        cam = await s.scalar(select(CameraRow).where(CameraRow.code == "CAM-0042"))
    assert cam is not None
    found: list[dict[str, Any]] = await seeded.orgmap.nearest_cameras(cam.lat, cam.lon, limit=4)
    assert len(found) == 4
    assert found[0]["code"] == "CAM-0042"
    assert found[0]["distance_m"] == 0.0
    distances = [f["distance_m"] for f in found]
    assert distances == sorted(distances)
    assert found[1]["stream_url"].endswith("/stream.mjpg")
    # From a corner of the city the search widens until it finds enough.
    far = await seeded.orgmap.nearest_cameras(26.851, 105.751, limit=3)
    assert len(far) == 3
    assert far[0]["distance_m"] > 0
    assert await seeded.orgmap.nearest_cameras(27.0, 106.0, limit=0) == []


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("新仁乡", "新仁苗族乡"),
        ("新仁", "新仁苗族乡"),
        ("新仁苗族乡", "新仁苗族乡"),
        ("钟山", "钟山镇"),
        ("五里乡", "五里布依族苗族乡"),
        ("莲城", "莲城街道"),
        ("黔西市莲城街道", "莲城街道"),
        (" 观音洞镇 ", "观音洞镇"),
        ("钟山镇凤凰村3组12号", "钟山镇"),
    ],
)
async def test_find_township_by_name_or_alias(seeded: Seeded, query: str, name: str) -> None:
    found = await seeded.orgmap.find_township(query)
    assert found is not None
    assert found["name"] == name


@pytest.mark.parametrize("query", ["", "不存在的地方", "重新报一次警"])
async def test_find_township_does_not_guess(seeded: Seeded, query: str) -> None:
    # A bare short name such as 重新 is an ordinary word: it must match exactly.
    assert await seeded.orgmap.find_township(query) is None


async def test_townships_and_unit_tree_summary(seeded: Seeded) -> None:
    townships = await seeded.orgmap.townships()
    assert len(townships) == 30
    assert townships[0]["name"] == "莲城街道"
    assert "莲城" in townships[0]["aliases"]
    assert sum(t["placeholder"] for t in townships) == 9
    summary = await seeded.orgmap.unit_tree_summary()
    assert summary["center"] == 1
    assert (summary["township"], summary["village"], summary["grid"]) == (30, 364, 2011)
    assert (summary["street"], summary["town"], summary["ethnic_township"]) == (5, 15, 10)
    assert summary["department"] >= 20


@pytest.mark.postgres
async def test_the_seeded_postgres_template_serves_the_same_city(pg_url: str) -> None:
    # pg_url is cloned from the session template that tests/conftest.py seeded with
    # seed_demo, so this also proves the bulk insert works on PostgreSQL.
    db = Database(DatabaseSettings(url=pg_url))
    try:
        counts = await seed_demo(db)
        assert counts["already_seeded"] == 1
        assert (counts["townships"], counts["villages"], counts["grids"]) == (30, 364, 2011)
        orgmap = OrgMapService(db)
        await orgmap.load()
        placed = orgmap.locate(27.009, 106.032)
        assert placed is not None
        assert placed.township_name == "莲城街道"
        found = await orgmap.find_township("新仁乡")
        assert found is not None
        assert found["name"] == "新仁苗族乡"
        cams = await orgmap.nearest_cameras(27.009, 106.032, limit=2)
        assert [c["distance_m"] for c in cams] == sorted(c["distance_m"] for c in cams)
    finally:
        await db.close()
