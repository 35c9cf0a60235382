"""Locating contacts from every kind of evidence, and merging reports of one event."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import pytest
from sqlalchemy import func, select

from core.auth.models import Principal, Role
from core.cases.schemas import ContactCreate
from core.cases.tables import CaseRow, ContactRow
from core.orgmap.tables import HouseholdRow, PlaceRow
from core.wiring import CoreServices, intake_processor
from liandong.settings import Settings
from liandong.wiring import build

pytestmark = pytest.mark.anyio

_ADMIN = Principal(0, "admin", Role.admin, "管理员")


@pytest.fixture
async def c(settings: Settings) -> AsyncIterator[CoreServices]:
    async with AsyncExitStack() as stack:
        container = await build(settings, stack)
        await container.streams.ensure_group()
        yield container


async def process_all(c: CoreServices) -> None:
    processor = intake_processor(c, "t")
    while entries := await c.streams.read("t", count=50, block_ms=50):
        for e in entries:
            await processor(e)
            await c.streams.ack(e.id)


async def case_of(c: CoreServices, number: str) -> CaseRow:
    async with c.db.session() as s:
        return await c.cases.load(s, number)


async def test_set_top_box_alarm_is_placed_at_its_registered_household(c: CoreServices) -> None:
    async with c.db.session() as s:
        home = await s.scalar(select(HouseholdRow).where(HouseholdRow.stb_device_id.is_not(None)))
    assert home is not None and home.stb_device_id
    created = await c.intake.receive(
        ContactCreate(channel="stb_alarm", sender=home.stb_device_id, text="一键报警"),
        actor="gateway",
    )
    await process_all(c)
    case = await case_of(c, created.case_number)
    assert (case.lat, case.lon, case.location_source) == (home.lat, home.lon, "stb")
    assert case.address == home.address
    assert case.grid_id == home.grid_id
    assert case.township_id is not None


async def test_registered_caller_is_placed_at_home_when_nothing_better_is_known(
    c: CoreServices,
) -> None:
    async with c.db.session() as s:
        home = await s.scalar(select(HouseholdRow).where(HouseholdRow.stb_device_id.is_(None)))
    assert home is not None
    created = await c.intake.receive(
        ContactCreate(channel="phone", hotline="12345", sender=home.phone, text="咨询一下医保"),
        actor="calltaker",
    )
    await process_all(c)
    case = await case_of(c, created.case_number)
    assert case.location_source == "registry"
    assert case.grid_id == home.grid_id


async def test_landmark_in_the_text_places_the_case(c: CoreServices) -> None:
    async with c.db.session() as s:
        bridge = await s.scalar(select(PlaceRow).where(PlaceRow.name == "鸭池河大桥"))
    assert bridge is not None
    created = await c.intake.receive(
        ContactCreate(channel="wechat", sender="oWx-1", text="鸭池河桥上两辆车撞了，有人受伤"),
        actor="gateway",
    )
    await process_all(c)
    case = await case_of(c, created.case_number)
    assert (case.location_source, case.address) == ("gazetteer", "鸭池河大桥")
    assert case.township_id == bridge.township_id
    log = await c.cases.events(created.case_number, _ADMIN)
    assert log[1].data["location"]["confidence"] > 0


async def test_twenty_reports_of_one_fire_become_one_case_with_twenty_contacts(
    c: CoreServices,
) -> None:
    numbers = []
    for i in range(20):
        created = await c.intake.receive(
            ContactCreate(
                channel="app",
                sender=f"1390000{i:04d}",
                text="这边房子着火了，好大的烟",
                location={
                    "lat": 27.05 + i * 0.0002,
                    "lon": 106.05,
                    "source": "gps",
                    "accuracy_m": 15,
                },
            ),
            actor="gateway",
        )
        numbers.append(created.case_number)
        await process_all(c)
    first = await case_of(c, numbers[0])
    assert first.state == "received"
    async with c.db.session() as s:
        contacts = await s.scalar(
            select(func.count()).select_from(ContactRow).where(ContactRow.case_id == first.id)
        )
        merged = await s.scalar(
            select(func.count()).select_from(CaseRow).where(CaseRow.merged_into_id == first.id)
        )
    assert (contacts, merged) == (20, 19)
    assert [i.case_number for i in await c.workqueue.list()] == [numbers[0]]


async def test_a_live_caller_is_not_merged_away_but_flagged(c: CoreServices) -> None:
    loc = {"lat": 27.05, "lon": 106.05, "source": "sip_pidf"}
    a = await c.intake.receive(
        ContactCreate(
            channel="phone", hotline="119", sender="13800000061", text="着火了", location=loc
        ),
        actor="calltaker",
    )
    b = await c.intake.receive(
        ContactCreate(
            channel="phone",
            hotline="119",
            sender="13800000062",
            text="着火了",
            location=loc,
            live=True,
        ),
        actor="calltaker",
    )
    await process_all(c)
    assert (await case_of(c, b.case_number)).state == "received"
    log = await c.cases.events(b.case_number, _ADMIN)
    assert log[-1].data["possible_duplicate_of"] == a.case_number
    assert {i.case_number for i in await c.workqueue.list()} == {a.case_number, b.case_number}
