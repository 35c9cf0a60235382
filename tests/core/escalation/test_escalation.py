"""Deadlines, reminders and the escalation ladder (R12) against SQLite and PostgreSQL,
with a controllable clock: dispatch by the catalogue, every step notified, logged and
visible, and a scheduler that can be restarted or doubled mid-ladder."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from core.auth.models import Principal, Role
from core.cases.lifecycle import Action
from core.cases.schemas import CaseActionIn
from core.errors import InvalidInput
from core.escalation.api import router as escalation_router
from core.orgmap.tables import PersonRow
from core.worktime.calendar import Limit, default_calendar
from liandong.app import create_app
from tests.conftest import login
from tests.core.escalation.support import (
    CALLTAKER,
    DISPATCHER,
    Env,
    all_delivered,
    delivery_counts,
    environment,
    instructions,
    ladder,
    new_case,
    notices_sent,
    steps,
    unit_id,
)

pytestmark = pytest.mark.anyio

FULL_LADDER = ["deliver", "remind:ack:0", "escalate:1", "remind:ack:1", "escalate:2",
               "remind:ack:2", "escalate:3", "remind:ack:3", "escalate:4"]  # fmt: skip


@pytest.fixture
async def env(db_url: str, redis_url: str, redis_prefix: str) -> AsyncIterator[Env]:
    async with environment(db_url, redis_url, redis_prefix) as e:
        yield e


async def fire(env: Env, text: str = "厂房着火了，火很大") -> str:
    number = await new_case(env.c, text, "fire", "building_fire", emergency=True, priority=1)
    await env.c.cases.act(number, Action.dispatch, CaseActionIn(), CALLTAKER)
    return number


async def test_dispatch_without_a_unit_follows_the_catalogue_with_a_one_minute_acknowledge(
    env: Env,
) -> None:
    number = await fire(env)
    lead, assist = await instructions(env.c, number)
    assert (lead.role, lead.unit_id) == ("lead", await unit_id(env.c, "QX-D02"))
    assert (assist.role, assist.unit_id) == ("assist", await unit_id(env.c, "QX-D07"))
    assert lead.ack_deadline - lead.sent_at == timedelta(minutes=1)
    row = await ladder(env.c, lead.id)
    assert (row.rule_id, row.phase, row.level, row.assignee_how) == (
        "fire",
        "deliver",
        0,
        "stationed",
    )
    async with env.c.db.session() as s:
        officer = await s.get(PersonRow, row.assignee_id)
    assert officer is not None and officer.role == "duty_officer"


async def test_working_day_limits_and_the_township_of_the_place_decide_a_rural_water_outage(
    env: Env,
) -> None:
    env.clock.set(hours=8)  # Wednesday 18:00 local
    number = await new_case(env.c, "村里停水三天了", "government", "water_outage",
                            township="QX-21")  # fmt: skip
    await env.c.cases.act(number, Action.dispatch, CaseActionIn(), CALLTAKER)
    lead, assist = await instructions(env.c, number)
    assert lead.unit_id == await unit_id(env.c, "QX-21")  # 五里布依族苗族乡, the township
    assert assist.unit_id == await unit_id(env.c, "QX-D23")
    assert lead.done_deadline - lead.sent_at == timedelta(hours=24)
    consult = await new_case(env.c, "办居住证要带什么材料", "government", "consultation")
    await env.c.cases.act(consult, Action.dispatch, CaseActionIn(), CALLTAKER)
    (ins,) = await instructions(env.c, consult)
    # One working day: close of office on Thursday, the day after.
    cal = default_calendar()
    assert ins.done_deadline == cal.deadline(env.clock.now, Limit.parse("1 working_day"))
    assert cal.local(ins.done_deadline).day == 26


async def test_an_unclassified_case_without_a_unit_is_refused_and_explicit_units_still_win(
    env: Env,
) -> None:
    number = await new_case(env.c, "说不清楚的事", "police")
    async with env.c.db.session() as s:
        case = await env.c.cases.load(s, number)
        case.category = None
    with pytest.raises(InvalidInput) as err:
        await env.c.cases.act(number, Action.dispatch, CaseActionIn(), CALLTAKER)
    assert err.value.error_id == "lead-unit-required"
    township = await unit_id(env.c, "QX-22")
    await env.c.cases.act(number, Action.dispatch, CaseActionIn(lead_unit_id=township), CALLTAKER)
    (ins,) = await instructions(env.c, number)
    # Unclassified: the settings' per-priority limits (priority 2: 15 min to acknowledge).
    assert ins.unit_id == township
    assert ins.ack_deadline - ins.sent_at == timedelta(minutes=15)


async def test_the_whole_ladder_runs_against_the_database_with_a_controllable_clock(
    env: Env,
) -> None:
    number = await fire(env)
    lead, _assist = await instructions(env.c, number)
    sched = env.scheduler()
    timeline = [(0, "deliver"), (48, "remind:ack:0"), (60, "escalate:1"), (108, "remind:ack:1"),
                (120, "escalate:2"), (168, "remind:ack:2"), (180, "escalate:3"),
                (228, "remind:ack:3"), (240, "escalate:4")]  # fmt: skip
    for offset, step in timeline:
        env.clock.set(seconds=offset - 1)
        await sched.drain()
        assert step not in await steps(env.c, lead.id), "a step came early"
        env.clock.set(seconds=offset)
        await sched.drain()
        assert (await steps(env.c, lead.id))[-1] == step
    assert await steps(env.c, lead.id) == FULL_LADDER
    row = await ladder(env.c, lead.id)
    assert (row.level, row.phase, row.closed_reason, row.next_due_at) == (
        4,
        "closed",
        "referred",
        None,
    )

    fire_unit = await unit_id(env.c, "QX-D02")
    async with env.c.db.session() as s:
        head = await s.scalar(select(PersonRow).where(PersonRow.unit_id == fire_unit,
                                                      PersonRow.role == "unit_head"))  # fmt: skip
    assert head is not None
    assert [n.person_id for n in await notices_sent(env.c, lead.id, "escalate:1")] == [head.id]
    deputy = await notices_sent(env.c, lead.id, "escalate:2")
    assert len(deputy) == 1 and "分管应急与城建" in deputy[0].name  # the fire brigade's portfolio
    assert "督办" in deputy[0].message and number in deputy[0].message
    leaders = await notices_sent(env.c, lead.id, "escalate:3")
    assert {"市长", "市委书记"} <= {n.name.split("（")[1].rstrip("）") for n in leaders}
    (referral,) = await notices_sent(env.c, lead.id, "escalate:4")
    assert referral.recipient == "org:市纪委监委" and "移送纪检监察" in referral.message

    # Every step is in the case log, and the log still rebuilds the case.
    log = [e for e in await env.c.cases.events(number, DISPATCHER) if "escalation" in e.data]
    assert [
        e.data["escalation"]["step"]
        for e in log
        if e.data["escalation"]["instruction_id"] == lead.id
    ] == FULL_LADDER
    assert {e.action for e in log} == {"note"}
    rebuilt = await env.c.cases.rebuild(number)
    assert rebuilt["state"] == "dispatched"
    promised, recorded, unsent = await delivery_counts(env.c)
    assert promised == recorded and unsent == 0


async def test_acknowledging_and_completing_in_time_end_the_ladder_without_a_push(env: Env) -> None:
    number = await fire(env)
    lead, _ = await instructions(env.c, number)
    sched = env.scheduler()
    await sched.drain()
    unit = Principal(9, "fire", Role.unit_staff, "消防值班", unit_id=lead.unit_id)
    env.clock.set(seconds=30)
    await env.c.cases.act(number, Action.acknowledge, CaseActionIn(), unit)
    await sched.drain()  # the database trigger made the ladder due at once
    assert (await ladder(env.c, lead.id)).phase == "done"
    env.clock.set(minutes=30)
    await sched.drain()
    await env.c.cases.act(number, Action.complete, CaseActionIn(note="已扑灭"), unit)
    await sched.drain()
    row = await ladder(env.c, lead.id)
    assert (row.phase, row.level, row.closed_reason) == ("closed", 0, "completed")
    assert await steps(env.c, lead.id) == ["deliver"]
    env.clock.set(hours=5)
    await sched.drain()
    assert await steps(env.c, lead.id) == ["deliver"]


async def test_a_return_without_a_valid_reason_climbs_and_a_rebounce_climbs_again(env: Env) -> None:
    number = await new_case(env.c, "单位拖欠工资三个月", "government", "wage_arrears")
    await env.c.cases.act(number, Action.dispatch, CaseActionIn(), CALLTAKER)
    (first,) = await instructions(env.c, number)
    sched = env.scheduler()
    await sched.drain()
    staff = Principal(9, "hr", Role.unit_staff, "人社局", unit_id=first.unit_id)
    await env.c.cases.act(number, Action.return_, CaseActionIn(reason="人手不够，忙不过来"), staff)
    await sched.drain()
    assert await steps(env.c, first.id) == ["deliver", "escalate:1"]
    (push,) = await notices_sent(env.c, first.id, "escalate:1")
    assert "推诿" not in push.message and "不属于工作方案认可的退单情形" in push.message
    # The center insists: sent to the same unit again, which bounces it again.
    await env.c.cases.act(
        number, Action.dispatch, CaseActionIn(lead_unit_id=first.unit_id), CALLTAKER
    )
    second = (await instructions(env.c, number))[-1]
    assert (await ladder(env.c, second.id)).level == 1
    await sched.drain()
    await env.c.cases.act(number, Action.return_, CaseActionIn(reason="再研究研究"), staff)
    await sched.drain()
    assert await steps(env.c, second.id) == ["deliver", "escalate:2"]
    # A return the work plan accepts takes no step.
    await env.c.cases.act(
        number, Action.dispatch, CaseActionIn(lead_unit_id=first.unit_id), CALLTAKER
    )
    third = (await instructions(env.c, number))[-1]
    await sched.drain()
    await env.c.cases.act(
        number, Action.return_, CaseActionIn(reason="非本单位职责，属企业合同纠纷"), staff
    )
    await sched.drain()
    assert await steps(env.c, third.id) == ["deliver"]
    assert (await ladder(env.c, third.id)).closed_reason == "returned"


async def test_notices_committed_but_never_delivered_are_redelivered_once(env: Env) -> None:
    number = await fire(env)
    lead, _ = await instructions(env.c, number)
    sched = env.scheduler(redeliver_after_s=5)
    # The steps commit, then the process "dies" before delivering their notices.
    taken = await sched.service.take_due(env.clock.now)
    assert taken.steps == 2 and (await delivery_counts(env.c))[1:] == (0, 2)
    env.clock.set(seconds=10)
    assert await sched.redeliver() == 2
    assert await sched.redeliver() == 0
    promised, recorded, unsent = await delivery_counts(env.c)
    assert promised == recorded == 2 and unsent == 0
    # Delivering the same notices again (a second scheduler raced) records nothing new.
    await sched.notifier.notify([n for ns in taken.notices.values() for n in ns])
    assert (await delivery_counts(env.c))[1] == 2
    assert await steps(env.c, lead.id) == ["deliver"]


async def test_restarting_and_doubling_the_scheduler_mid_ladder_loses_and_doubles_no_step(
    env: Env,
) -> None:
    numbers = [await fire(env, f"第{i}处着火") for i in range(4)]
    leads = [(await instructions(env.c, n))[0] for n in numbers]

    async def until_all_at(step: str) -> None:
        async with asyncio.timeout(20):
            while True:
                taken = [await steps(env.c, i.id) for i in leads]
                if all(step in t for t in taken):
                    return
                await asyncio.sleep(0.02)

    stop_a = asyncio.Event()
    a = asyncio.create_task(env.scheduler("a", poll_s=0.01).run(stop_a))
    env.clock.set(seconds=60)
    await until_all_at("escalate:1")
    a.cancel()  # killed between steps: no goodbye, whatever it was doing rolls back
    with pytest.raises(asyncio.CancelledError):
        await a
    env.clock.set(seconds=150)  # the second deadline passes while nobody runs
    stop = asyncio.Event()
    # A died holding deliveries it had not marked yet: the twins re-deliver those.
    quick = {"poll_s": 0.01, "batch": 3, "redeliver_after_s": 0.5, "redeliver_every_s": 0.2}
    twins = [asyncio.create_task(env.scheduler(n, **quick).run(stop)) for n in "bc"]
    await until_all_at("escalate:2")
    for t in range(200, 500, 20):
        env.clock.set(seconds=t)
        await asyncio.sleep(0.05)
    await until_all_at("escalate:4")
    await all_delivered(env.c, 20)
    stop.set()
    await asyncio.gather(*twins)
    for ins in leads:
        taken = await steps(env.c, ins.id)
        assert len(taken) == len(set(taken)), taken
        assert [s for s in taken if s.startswith("escalate")] == [
            f"escalate:{i}" for i in range(1, 5)
        ]
        assert taken[0] == "deliver"
    promised, recorded, unsent = await delivery_counts(env.c)
    assert promised == recorded and unsent == 0


async def test_supervisors_read_the_level_of_every_instruction_and_units_only_their_own(
    env: Env,
) -> None:
    settings = env.c.settings
    number = await fire(env)
    lead, _ = await instructions(env.c, number)
    env.clock.set(seconds=60)
    await env.scheduler().drain()
    app = create_app(settings, env.clock)
    app.include_router(escalation_router)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            leader = await login(http, "leader", "demo-leader-110")
            r = await http.get("/api/v1/escalations", headers=leader, params={"min_level": 1})
            assert r.status_code == 200, r.text
            item = next(i for i in r.json() if i["instruction_id"] == lead.id)
            assert (item["level"], item["phase"], item["case_number"]) == (1, "ack", number)
            assert item["level_label"] == "推送单位主要领导督促办理"
            r = await http.get(f"/api/v1/escalations/{lead.id}", headers=leader)
            assert [s["step"] for s in r.json()["steps"]] == ["deliver", "escalate:1"]
            police = await login(http, "police", "demo-unit-110")
            r = await http.get(f"/api/v1/escalations/{lead.id}", headers=police)
            assert (r.status_code, r.json()["error_id"]) == (404, "escalation-not-found")
            r = await http.get("/api/v1/escalations", headers=police)
            assert r.status_code == 200 and r.json() == []
