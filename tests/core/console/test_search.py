"""Case search on both databases: a fragment of the text (FTS5 trigram on SQLite,
pg_trgm on PostgreSQL), every filter, paging, unit scope, the audited phone lookup and
the audited CSV/XLSX export."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from core.auth.tables import AuditRow
from core.cases.schemas import ContactCreate
from core.cases.tables import CaseRow, ContactRow, InstructionRow
from core.console.models import SearchFilters
from core.console.search import search
from core.escalation.tables import EscalationRow, EscalationStepRow
from tests.conftest import login
from tests.core.console.conftest import contact

pytestmark = pytest.mark.anyio

PIPE = "金碧镇街上水管爆了，路面全是水"
DOG = "隔壁那家的狗天天晚上叫，吵得人睡不着"
ODD = '有人说"100%_不退款"，商店不给退'


async def _search(client: httpx.AsyncClient, h: dict[str, str], **params: Any) -> dict[str, Any]:
    r = await client.get("/api/v1/cases/search", headers=h, params=params)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _numbers(body: dict[str, Any]) -> set[str]:
    return {i["number"] for i in body["items"]}


async def test_a_fragment_of_the_text_finds_its_case_with_the_phone_masked(
    client: httpx.AsyncClient, dispatcher: dict[str, str]
) -> None:
    pipe = await contact(client, dispatcher, PIPE, "13800001111")
    dog = await contact(client, dispatcher, DOG, "13800002222", hotline="12345")
    odd = await contact(client, dispatcher, ODD, "13800003333", hotline="12315")

    found = await _search(client, dispatcher, q="水管爆")  # three characters: the index
    assert found["total"] == 1 and _numbers(found) == {pipe}
    item = found["items"][0]
    assert item["phone"] == "138****1111" and item["summary"].startswith("金碧镇")
    assert {"number", "phone", "summary", "state", "category", "township"} <= item.keys()
    assert item["state"] == "received" and item["hotline"] == "110"

    assert _numbers(await _search(client, dispatcher, q="狗")) == {dog}  # one character: LIKE
    # What was typed is text: quotes, % and _ are not operators or wildcards.
    assert _numbers(await _search(client, dispatcher, q='"100%_不退')) == {odd}
    assert _numbers(await _search(client, dispatcher, q="100%x")) == set()
    assert (await _search(client, dispatcher, q="不存在的内容"))["total"] == 0


async def test_a_transcript_written_later_is_found_too(
    client: httpx.AsyncClient, app: Any, dispatcher: dict[str, str]
) -> None:
    # A live call's contact is written by the telephony process (the API refuses
    # ``live`` from clients, issue 14): the same intake service, directly.
    body = ContactCreate(channel="phone", hotline="110", sender="13800004444", text="", live=True)
    number = (await app.state.core.intake.receive(body, actor="telephony")).case_number
    async with app.state.core.db.session() as s:
        case_id = await s.scalar(select(CaseRow.id).where(CaseRow.number == number))
        await s.execute(
            update(ContactRow)
            .where(ContactRow.case_id == case_id)
            .values(transcript="喂 我们村里的桥被大水冲垮了")
        )
    assert _numbers(await _search(client, dispatcher, q="桥被大水冲")) == {number}


async def test_filters_narrow_the_result_and_pages_keep_the_order(
    client: httpx.AsyncClient, app: Any, dispatcher: dict[str, str]
) -> None:
    pipe = await contact(client, dispatcher, PIPE, "13800001111")
    dog = await contact(client, dispatcher, DOG, "13800002222", hotline="12345")
    sms = await contact(client, dispatcher, "新仁乡停电了", "13800005555", channel="sms",
                        hotline=None)  # fmt: skip
    r = await client.post(
        f"/api/v1/cases/{dog}/actions/classify",
        headers=dispatcher,
        json={"category": "government", "subtype": "noise", "priority": 4},
    )
    assert r.status_code == 200, r.text
    units = (await client.get("/api/v1/desk/units", headers=dispatcher)).json()
    police = next(u["id"] for u in units if "公安" in u["name"])
    r = await client.post(
        f"/api/v1/cases/{pipe}/actions/dispatch", headers=dispatcher,
        json={"lead_unit_id": police},
    )  # fmt: skip
    assert r.status_code == 200, r.text

    assert _numbers(await _search(client, dispatcher, category="government")) == {dog}
    assert _numbers(await _search(client, dispatcher, state="dispatched")) == {pipe}
    assert _numbers(await _search(client, dispatcher, unit_id=police)) == {pipe}
    assert _numbers(await _search(client, dispatcher, hotline="12345")) == {dog}
    assert _numbers(await _search(client, dispatcher, channel="sms")) == {sms}
    assert _numbers(await _search(client, dispatcher, number=dog)) == {dog}
    assert _numbers(await _search(client, dispatcher, number=dog[:11])) == {pipe, dog, sms}
    assert (await _search(client, dispatcher, overdue="true"))["total"] == 0
    async with app.state.core.db.session() as s:
        past = app.state.core.clock() - timedelta(hours=1)
        await s.execute(update(InstructionRow).values(ack_deadline=past, done_deadline=past))
    assert _numbers(await _search(client, dispatcher, overdue="true")) == {pipe}
    assert (await _search(client, dispatcher, escalated="true"))["total"] == 0
    async with app.state.core.db.session() as s:
        # A push up the ladder (督办) as the escalation scheduler records it.
        esc = await s.scalar(select(EscalationRow))
        assert esc is not None
        s.add(EscalationStepRow(
            escalation_id=esc.id, instruction_id=esc.instruction_id, case_id=esc.case_id,
            step="escalate-1", kind="escalate", level=1, cause="ack", due_at=past,
            taken_at=past, taken_by="system:escalation", notices=[],
        ))  # fmt: skip
    assert _numbers(await _search(client, dispatcher, escalated="true")) == {pipe}

    today = app.state.core.clock().astimezone().date()
    week_ago = today - timedelta(days=7)
    assert (await _search(client, dispatcher, date_from=str(today - timedelta(days=1))))[
        "total"
    ] == 3
    assert (await _search(client, dispatcher, date_to=str(week_ago)))["total"] == 0

    first = await _search(client, dispatcher, limit=2)
    second = await _search(client, dispatcher, limit=2, offset=2)
    assert first["total"] == second["total"] == 3
    assert [i["number"] for i in first["items"] + second["items"]] == [sms, dog, pipe]


async def test_a_phone_lookup_is_audited_and_unit_staff_find_only_their_own_cases(
    client: httpx.AsyncClient, app: Any, dispatcher: dict[str, str]
) -> None:
    mine = await contact(client, dispatcher, PIPE, "13800001111")
    other = await contact(client, dispatcher, PIPE, "13800006666")
    units = (await client.get("/api/v1/desk/units", headers=dispatcher)).json()
    police = next(u["id"] for u in units if "公安" in u["name"])
    r = await client.post(
        f"/api/v1/cases/{mine}/actions/dispatch", headers=dispatcher,
        json={"lead_unit_id": police},
    )  # fmt: skip
    assert r.status_code == 200, r.text

    found = await _search(client, dispatcher, phone="13800006666")
    assert _numbers(found) == {other} and found["items"][0]["phone"] == "138****6666"
    async with app.state.core.db.session() as s:
        audit = (
            await s.scalars(select(AuditRow).where(AuditRow.action == "case.search.phone"))
        ).all()
    assert [(a.actor, a.target) for a in audit] == [("dispatcher", "13800006666")]

    police_staff = await login(client, "police", "demo-unit-110")
    assert _numbers(await _search(client, police_staff, q="水管爆")) == {mine}


async def test_bad_filters_get_typed_errors(
    client: httpx.AsyncClient, dispatcher: dict[str, str]
) -> None:
    r = await client.get("/api/v1/cases/search", headers=dispatcher, params={"colour": "red"})
    assert r.status_code == 422
    r = await client.get(
        "/api/v1/cases/search", headers=dispatcher,
        params={"date_from": "2026-11-02", "date_to": "2026-11-01"},
    )  # fmt: skip
    assert r.status_code == 422 and r.json()["error_id"] == "bad-date-range"
    r = await client.get("/api/v1/cases/search", headers=dispatcher, params={"limit": 5000})
    assert r.status_code == 422


async def test_the_result_exports_as_csv_and_xlsx_and_each_export_is_audited(
    client: httpx.AsyncClient, app: Any, dispatcher: dict[str, str]
) -> None:
    pipe = await contact(client, dispatcher, PIPE, "13800001111")
    await contact(client, dispatcher, "=HYPERLINK(1)" + DOG, "13800002222")

    r = await client.get(
        "/api/v1/cases/search/export", headers=dispatcher, params={"q": "水管", "format": "csv"}
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][0] == "工单号" and len(rows) == 2
    assert rows[1][0] == pipe and "138****1111" in rows[1]

    r = await client.get(
        "/api/v1/cases/search/export", headers=dispatcher, params={"format": "xlsx"}
    )
    assert r.status_code == 200, r.text
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[1][0] == "工单号" and len(values) == 4
    # A citizen's "=..." stays text in Excel (no formula injection).
    assert any(str(v[-1]).startswith("'=HYPERLINK") for v in values[2:])

    async with app.state.core.db.session() as s:
        audit = (await s.scalars(select(AuditRow).where(AuditRow.action == "case.export"))).all()
    assert [(a.target, a.details["rows"]) for a in audit] == [("csv", 1), ("xlsx", 2)]


async def test_a_one_or_two_character_fragment_searches_the_last_7_days_unless_dated(
    client: httpx.AsyncClient, app: Any, dispatcher: dict[str, str]
) -> None:
    old = await contact(client, dispatcher, DOG, "13800002222")
    new = await contact(client, dispatcher, "楼下的狗又在叫", "13800003333")
    back = app.state.core.clock() - timedelta(days=10)
    async with app.state.core.db.session() as s:
        case_id = await s.scalar(select(CaseRow.id).where(CaseRow.number == old))
        await s.execute(update(CaseRow).where(CaseRow.id == case_id).values(created_at=back))
        await s.execute(
            update(ContactRow).where(ContactRow.case_id == case_id).values(received_at=back)
        )
    recent = await _search(client, dispatcher, q="狗")
    assert _numbers(recent) == {new} and "近7天" in recent["note"]
    dated = await _search(client, dispatcher, q="狗", date_from=str(back.date()))
    assert _numbers(dated) == {old, new} and dated["note"] is None
    # Three characters or more use the index over all time.
    assert _numbers(await _search(client, dispatcher, q="的狗又")) == {new}
    assert _numbers(await _search(client, dispatcher, q="家的狗")) == {old}


async def test_counting_stops_past_the_cap_and_the_page_is_still_served(
    client: httpx.AsyncClient, app: Any, dispatcher: dict[str, str]
) -> None:
    numbers = [await contact(client, dispatcher, PIPE, f"1380000{i:04d}") for i in range(4)]
    async with app.state.core.db.session() as s:
        items, total = await search(
            s, SearchFilters(q="水管爆"), now=app.state.core.clock(), limit=2, count_cap=2
        )
    assert total == 3  # "more than 2"
    assert [i.number for i in items] == numbers[::-1][:2]
    body = await _search(client, dispatcher, q="水管爆")
    assert body["total"] == 4 and body["total_capped"] is False
