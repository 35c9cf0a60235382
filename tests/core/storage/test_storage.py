"""Storage behaviour on both backends: SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from core.auth.models import Principal, Role
from core.cases.lifecycle import Action
from core.cases.schemas import CaseActionIn, ContactCreate
from core.cases.tables import CaseEventRow, CaseRow, ContactRow, InstructionRow
from core.errors import DuplicateIdempotencyKey, IllegalTransition, UnknownChannel
from core.orgmap.tables import UnitRow
from core.queue.tables import OutboxRow
from core.wiring import CoreServices
from liandong.wiring import build
from tests.conftest import make_settings

pytestmark = pytest.mark.anyio

CALLTAKER = Principal(1, "calltaker", Role.call_taker, "接警员")
DISPATCHER = Principal(3, "dispatcher", Role.dispatcher, "值班长")


@pytest.fixture
async def c(db_url: str, redis_url: str, redis_prefix: str) -> AsyncIterator[CoreServices]:
    async with AsyncExitStack() as stack:
        yield await build(make_settings(db_url, redis_url, redis_prefix), stack)


def contact(text: str = "有人打架", **kw: object) -> ContactCreate:
    return ContactCreate.model_validate(
        {"channel": "phone", "hotline": "110", "sender": "13800000001", "text": text, **kw}
    )


async def count(c: CoreServices, model: type) -> int:
    async with c.db.session() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


async def unit_id(c: CoreServices, name: str) -> int:
    async with c.db.session() as s:
        uid = await s.scalar(select(UnitRow.id).where(UnitRow.name == name))
    assert uid is not None
    return int(uid)


async def test_contact_case_log_and_outbox_commit_together(c: CoreServices) -> None:
    created = await c.intake.receive(contact(), actor="calltaker")
    async with c.db.session() as s:
        row = await s.get(ContactRow, created.contact_id)
        assert row is not None
        case = await s.get(CaseRow, row.case_id)
        assert case is not None and case.number == created.case_number
        events = (
            await s.scalars(select(CaseEventRow).where(CaseEventRow.case_id == case.id))
        ).all()
        assert [e.action for e in events] == ["create"]
        outbox = (await s.scalars(select(OutboxRow))).all()
        assert [o.payload["contact_id"] for o in outbox] == [created.contact_id]


async def test_case_numbers_are_sequential_per_day_and_unique_under_concurrency(
    c: CoreServices,
) -> None:
    results = await asyncio.gather(
        *(c.intake.receive(contact(f"事情{i}"), actor="calltaker") for i in range(20))
    )
    numbers = [r.case_number for r in results]
    assert len(set(numbers)) == 20
    seqs = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert seqs == list(range(seqs[0], seqs[0] + 20))
    assert all(n.startswith("QX-") and len(n.split("-")[1]) == 8 for n in numbers)


async def test_bad_input_writes_nothing(c: CoreServices) -> None:
    before = (await count(c, ContactRow), await count(c, CaseRow), await count(c, OutboxRow))
    with pytest.raises(UnknownChannel):
        await c.intake.receive(contact(channel="fax"), actor="calltaker")
    assert (
        await count(c, ContactRow),
        await count(c, CaseRow),
        await count(c, OutboxRow),
    ) == before


async def test_one_idempotency_key_gives_one_contact_even_when_racing(c: CoreServices) -> None:
    body = contact("重复提交", idempotency_key="wx-msg-123456")
    results = await asyncio.gather(
        *(c.intake.receive(body, actor="gateway") for _ in range(5)), return_exceptions=True
    )
    ok = [r for r in results if not isinstance(r, BaseException)]
    dup = [r for r in results if isinstance(r, DuplicateIdempotencyKey)]
    assert len(ok) == 1 and len(dup) == 4
    assert all(d.details["case_number"] == ok[0].case_number for d in dup)
    assert all(d.details["same_payload"] for d in dup)
    async with c.db.session() as s:
        n = await s.scalar(
            select(func.count())
            .select_from(ContactRow)
            .where(ContactRow.idempotency_key == "wx-msg-123456")
        )
    assert n == 1


async def test_case_log_is_append_only_in_the_database(c: CoreServices) -> None:
    await c.intake.receive(contact(), actor="calltaker")
    await c.auth.audit("calltaker", "case.view", target="QX-test")
    # Row triggers fire only for rows that exist, hence the writes above.
    for sql in (
        "UPDATE case_events SET actor = 'someone-else'",
        "DELETE FROM case_events",
        "DELETE FROM audit_log",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with c.db.session() as s:
                await s.execute(text(sql))


async def test_full_lifecycle_with_co_handling_rebuilds_from_the_log(c: CoreServices) -> None:
    police = await unit_id(c, "市公安局指挥中心")
    xinren = await unit_id(c, "新仁苗族乡")
    created = await c.intake.receive(contact("新仁乡有人打架，有人受伤"), actor="calltaker")
    n = created.case_number
    unit_police = Principal(4, "police", Role.unit_staff, "民警", unit_id=police)
    unit_xinren = Principal(5, "xinren", Role.unit_staff, "乡值班员", unit_id=xinren)
    await c.cases.act(n, Action.take, CaseActionIn(), CALLTAKER)
    await c.cases.act(
        n, Action.dispatch, CaseActionIn(lead_unit_id=police, assist_unit_ids=[xinren]), CALLTAKER
    )
    # The assisting township acknowledges first: its instruction moves, the case does not.
    case = await c.cases.act(n, Action.acknowledge, CaseActionIn(), unit_xinren)
    assert case.state == "dispatched"
    case = await c.cases.act(n, Action.acknowledge, CaseActionIn(), unit_police)
    assert case.state == "acknowledged"
    await c.cases.act(n, Action.start, CaseActionIn(note="民警已到场"), unit_police)
    await c.cases.act(n, Action.complete, CaseActionIn(note="已调解"), unit_police)
    await c.cases.act(n, Action.evaluate, CaseActionIn(rating=3), DISPATCHER)
    case = await c.cases.act(n, Action.reopen, CaseActionIn(reason="群众不满意"), DISPATCHER)
    assert case.state == "dispatched" and case.reopen_count == 1
    rebuilt = await c.cases.rebuild(n)
    for field in ("state", "category", "priority", "reopen_count", "taken_by"):
        assert rebuilt.get(field) == getattr(case, field), field
    async with c.db.session() as s:
        ins = (
            await s.scalars(
                select(InstructionRow)
                .where(InstructionRow.case_id == case.id)
                .order_by(InstructionRow.id)
            )
        ).all()
    assert [(i.role, i.state) for i in ins] == [
        ("lead", "completed"),
        ("assist", "acknowledged"),
        ("lead", "sent"),
    ]
    reopened = ins[-1]
    first = ins[0]
    # 重办 gets a shorter completion deadline than the first dispatch.
    assert (reopened.done_deadline - reopened.sent_at) < (first.done_deadline - first.sent_at)


async def test_illegal_transition_is_refused_and_leaves_the_case_untouched(c: CoreServices) -> None:
    created = await c.intake.receive(contact(), actor="calltaker")
    with pytest.raises(IllegalTransition):
        await c.cases.act(created.case_number, Action.complete, CaseActionIn(), DISPATCHER)
    events = await c.cases.events(created.case_number, DISPATCHER)
    assert [e.action for e in events] == ["create"]


async def test_merge_moves_contacts_and_logs_on_both_cases(c: CoreServices) -> None:
    a = await c.intake.receive(contact("钟山镇着火了"), actor="calltaker")
    b = await c.intake.receive(contact("钟山镇那边冒烟了", sender="13900000002"), actor="calltaker")
    merged = await c.cases.act(
        b.case_number,
        Action.merge,
        CaseActionIn(into=a.case_number, reason="同一起火情"),
        CALLTAKER,
    )
    assert merged.state == "merged"
    async with c.db.session() as s:
        target = await c.cases.load(s, a.case_number)
        n = await s.scalar(
            select(func.count()).select_from(ContactRow).where(ContactRow.case_id == target.id)
        )
    assert n == 2
    target_log = await c.cases.events(a.case_number, CALLTAKER)
    assert target_log[-1].action == "link_contact"
    assert target_log[-1].data["from"] == b.case_number
