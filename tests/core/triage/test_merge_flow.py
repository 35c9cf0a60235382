"""并单 through the real intake path (SQLite, Redis, the deployed classifier and the
org map's gazetteer): coarse reports become possible duplicates shown on the console,
one click merges them, 拆单 undoes a merge, and a surge of one flood converges."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from core.cases.tables import CaseRow, ContactRow
from core.queue.streams import Entry
from core.triage.tables import CaseLinkRow, CaseLocationRow
from core.wiring import intake_processor

pytestmark = pytest.mark.anyio


class Intake:
    """Posts contacts and runs the intake handler in-process on what they published."""

    def __init__(self, client: httpx.AsyncClient, app: Any, headers: dict[str, str]) -> None:
        self.client, self.core, self.headers = client, app.state.core, headers
        self.proc = intake_processor(self.core, "test")
        self.seen: set[str] = set()

    async def report(self, text: str, sender: str, **extra: Any) -> str:
        body = {"channel": "app", "sender": sender, "text": text, **extra}
        r = await self.client.post("/api/v1/contacts", headers=self.headers, json=body)
        assert r.status_code == 201, r.text
        await self.drain()
        return str(r.json()["case_number"])

    async def drain(self) -> None:
        for entry_id, fields in await self.core.redis.xrange(self.core.streams.stream):
            if entry_id in self.seen:
                continue
            self.seen.add(entry_id)
            f = {k.decode(): v.decode() for k, v in fields.items()}
            await self.proc(
                Entry(entry_id.decode(), f["topic"], int(f["outbox_id"]), json.loads(f["payload"]))
            )

    async def case(self, number: str) -> CaseRow:
        async with self.core.db.session() as s:
            return await self.core.cases.load(s, number)


async def test_reports_naming_only_one_township_are_suggested_then_merged_and_split(
    client: httpx.AsyncClient, app: Any, calltaker: dict[str, str]
) -> None:
    intake = Intake(client, app, calltaker)
    street = await intake.report("观音洞镇街上有人打架", "13800000001")
    school = await intake.report("观音洞镇中学门口有人打架", "13800000002")
    later = await intake.case(school)
    assert later.state == "received" and later.merged_into_id is None  # not merged
    async with intake.core.db.session() as s:
        loc = await s.get(CaseLocationRow, later.id)
        links = list(await s.scalars(select(CaseLinkRow).where(CaseLinkRow.case_id == later.id)))
    assert loc is not None and loc.precision == "township" and loc.uncertainty_m >= 5000
    assert [link.reason[:4] for link in links] == ["可能重复"]

    r = await client.get(f"/api/v1/triage/cases/{street}/related", headers=calltaker)
    assert r.status_code == 200, r.text
    dup = r.json()["possible_duplicates"]
    assert [(d["case_number"], d["merge_from"], d["merge_into"]) for d in dup] == [
        (school, school, street)
    ]
    # One click: the console posts the ordinary merge action.
    r = await client.post(
        f"/api/v1/cases/{school}/actions/merge",
        headers=calltaker,
        json={"into": street, "reason": "人工并单（可能重复）"},
    )
    assert r.status_code == 200, r.text
    related = (await client.get(f"/api/v1/triage/cases/{street}/related", headers=calltaker)).json()
    assert related["possible_duplicates"] == []
    assert [m["case_number"] for m in related["merged_here"]] == [school]

    # 拆单: the merge is undone, the contact goes back, the case waits in the queue again.
    r = await client.post(
        f"/api/v1/cases/{school}/actions/split", headers=calltaker, json={"reason": "不是同一起"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "received"
    async with intake.core.db.session() as s:
        back = await intake.core.cases.load(s, school)
        owners = set(
            await s.scalars(select(ContactRow.case_id).where(ContactRow.sender == "13800000002"))
        )
    assert back.merged_into_id is None and back.queued and owners == {back.id}
    queue = (await client.get("/api/v1/queue", headers=calltaker)).json()["items"]
    assert school in {i["case_number"] for i in queue}
    log = [e.action for e in await intake.core.cases.events(street, _admin())]
    assert log[-2:] == ["link_contact", "unlink_contact"]
    assert await intake.core.cases.rebuild(school)  # the log replays through the table

    # "不是重复" stops the suggestion.
    r = await client.post(f"/api/v1/triage/links/{links[0].id}/dismiss", headers=calltaker)
    assert r.status_code == 204
    related = (await client.get(f"/api/v1/triage/cases/{school}/related", headers=calltaker)).json()
    assert related["possible_duplicates"] == []


async def test_split_refuses_a_case_that_was_never_merged(
    client: httpx.AsyncClient, app: Any, calltaker: dict[str, str]
) -> None:
    number = await Intake(client, app, calltaker).report("我想问一下社保怎么交", "13800000009")
    r = await client.post(
        f"/api/v1/cases/{number}/actions/split", headers=calltaker, json={"reason": "试试"}
    )
    assert r.status_code == 409, r.text
    assert r.json()["error_id"] == "illegal-transition"


async def test_fifty_people_reporting_one_flood_from_one_village_make_one_case(
    client: httpx.AsyncClient, app: Any, calltaker: dict[str, str]
) -> None:
    intake = Intake(client, app, calltaker)
    texts = [
        "化屋村发大水了 河水漫进寨子了",
        "我们化屋村这边涨大水了 好几家房子被淹",
        "新仁乡化屋村洪水进村了 快来人",
        "化屋村河水涨上来了 淹到一楼了 老人出不来",
        "化屋村这里发洪水了 路都被冲断了",
    ]
    numbers = []
    for i in range(50):
        extra: dict[str, Any] = {}
        if i % 5 == 4:  # some send their phone's GPS from around the village
            first = await intake.case(numbers[0])
            extra["location"] = {
                "lat": first.lat + 0.001 * (i % 7),
                "lon": first.lon,
                "source": "gps",
                "accuracy_m": 30,
            }
        numbers.append(await intake.report(texts[i % 5], f"1391111{i:04d}", **extra))
    first = await intake.case(numbers[0])
    assert (first.category, first.subtype, first.state) == ("government", "flood", "received")
    async with intake.core.db.session() as s:
        merged = await s.scalar(
            select(func.count()).select_from(CaseRow).where(CaseRow.merged_into_id == first.id)
        )
        contacts = await s.scalar(
            select(func.count()).select_from(ContactRow).where(ContactRow.case_id == first.id)
        )
    assert (merged, contacts) == (49, 50)


def _admin() -> Any:
    from core.auth.models import Principal, Role

    return Principal(0, "admin", Role.admin, "管理员")
