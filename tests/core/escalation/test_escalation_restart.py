"""A real scheduler process killed with SIGKILL mid-ladder, then two started at once:
every step of the ladder is taken exactly once and every notice recorded exactly once.

The ladder runs on the real clock here, sped up to seconds by rewriting its limits in
the database after dispatch (the timers live in rows, so that is all it takes).
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import timedelta

import pytest
from sqlalchemy import update

from core.cases.lifecycle import Action
from core.cases.schemas import CaseActionIn, ContactCreate
from core.cases.tables import InstructionRow
from core.clock import utc_clock
from core.escalation.tables import EscalationRow
from core.wiring import CoreServices
from liandong.settings import Settings
from liandong.wiring import build
from tests.conftest import make_settings
from tests.core.escalation.support import (
    CALLTAKER,
    all_delivered,
    delivery_counts,
    instructions,
    steps,
)
from tests.liandong.reliability.helpers import ROOT, env_for, stop

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


@pytest.fixture
async def live(db_url: str, redis_url: str, redis_prefix: str) -> AsyncIterator[CoreServices]:
    async with AsyncExitStack() as stack:
        yield await build(make_settings(db_url, redis_url, redis_prefix), stack, utc_clock)


def scheduler(settings: Settings, name: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "liandong.processes.scheduler", "--name", name,
         "--poll", "0.05", "--redeliver-after", "1"],
        cwd=ROOT,
        env=env_for(settings),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip


async def wait_for(c: CoreServices, instruction_id: int, step: str, within_s: float) -> None:
    """Poll the steps table (another process writes it) until ``step`` appears."""
    async with asyncio.timeout(within_s):
        while True:
            if step in await steps(c, instruction_id):
                return
            await asyncio.sleep(0.05)


async def test_a_killed_scheduler_and_two_fresh_ones_take_every_step_exactly_once(
    live: CoreServices,
) -> None:
    body = ContactCreate.model_validate(
        {"channel": "phone", "hotline": "119", "sender": "13800000009", "text": "仓库着火了"}
    )
    number = (await live.intake.receive(body, actor="calltaker")).case_number
    fire = CaseActionIn(category="fire", subtype="building_fire", emergency=True, priority=1)
    await live.cases.act(number, Action.classify, fire, CALLTAKER)
    await live.cases.act(number, Action.dispatch, CaseActionIn(), CALLTAKER)
    ids = [i.id for i in await instructions(live, number)]
    # Two seconds to acknowledge and one second of grace per step.
    ack = utc_clock() + timedelta(seconds=2)
    async with live.db.session() as s:
        await s.execute(
            update(InstructionRow).where(InstructionRow.id.in_(ids)).values(ack_deadline=ack)
        )
        await s.execute(
            update(EscalationRow)
            .where(EscalationRow.instruction_id.in_(ids))
            .values(deadline=ack, ack_grace="1 seconds", done_grace="1 seconds")
        )

    first = scheduler(live.settings, "doomed")
    try:
        await wait_for(live, ids[0], "escalate:1", 30)
        first.send_signal(signal.SIGKILL)  # no shutdown, no rollback courtesy
        first.wait(10)
        await asyncio.sleep(1.5)  # a deadline passes while nobody is running
        twins = [scheduler(live.settings, f"twin-{i}") for i in range(2)]
        try:
            for iid in ids:
                await wait_for(live, iid, "escalate:4", 60)
            # The doomed one may have died between a step's commit and its delivery:
            # the twins re-deliver such notices (every 5 s, once a second old).
            await all_delivered(live, 30)
        finally:
            for p in twins:
                stop(p)
            for p in twins:
                assert p.returncode == 0, "a scheduler did not stop cleanly on SIGTERM"
    finally:
        stop(first)

    for iid in ids:
        taken = await steps(live, iid)
        assert len(taken) == len(set(taken)), taken
        assert taken[0] == "deliver"
        assert [s for s in taken if s.startswith("escalate")] == [
            "escalate:1",
            "escalate:2",
            "escalate:3",
            "escalate:4",
        ]
    promised, recorded, unsent = await delivery_counts(live)
    assert promised == recorded and unsent == 0
