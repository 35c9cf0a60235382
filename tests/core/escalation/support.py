"""Shared pieces of the escalation integration tests: a controllable clock, a built
container with a scheduler on it, and small queries over the escalation tables."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from core.auth.models import Principal, Role
from core.cases.lifecycle import Action
from core.cases.schemas import CaseActionIn, ContactCreate
from core.cases.tables import CaseRow, InstructionRow
from core.escalation.notifier import RecordingNotifier
from core.escalation.scheduler import EscalationScheduler
from core.escalation.service import EscalationService
from core.escalation.tables import EscalationRow, EscalationStepRow, NotificationRow
from core.orgmap.tables import UnitRow
from core.wiring import CoreServices
from liandong.wiring import build
from tests.conftest import make_settings

# Wednesday 25 November 2026, 10:00 in Qianxi: a working day, in office hours.
T0 = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
CALLTAKER = Principal(1, "calltaker", Role.call_taker, "接警员")
DISPATCHER = Principal(3, "dispatcher", Role.dispatcher, "值班长")


class Clock:
    """The controllable clock shared by the case service and the scheduler."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, **offset: float) -> datetime:
        self.now = T0 + timedelta(**offset)
        return self.now


@dataclass
class Env:
    c: CoreServices
    clock: Clock

    def scheduler(self, name: str = "s1", **kw: Any) -> EscalationScheduler:
        return EscalationScheduler(
            EscalationService(self.c.db),
            RecordingNotifier(self.c.db, self.clock),
            name=name,
            clock=self.clock,
            **kw,
        )


@asynccontextmanager
async def environment(db_url: str, redis_url: str, prefix: str) -> AsyncIterator[Env]:
    clock = Clock()
    async with AsyncExitStack() as stack:
        c = await build(make_settings(db_url, redis_url, prefix), stack, clock)
        yield Env(c, clock)


async def unit_id(c: CoreServices, code: str) -> int:
    async with c.db.session() as s:
        uid = await s.scalar(select(UnitRow.id).where(UnitRow.code == code))
    assert uid is not None, code
    return int(uid)


async def new_case(
    c: CoreServices,
    text: str,
    category: str,
    subtype: str | None = None,
    *,
    emergency: bool = False,
    priority: int = 2,
    township: str | None = None,
) -> str:
    body = ContactCreate.model_validate(
        {"channel": "phone", "hotline": "110", "sender": "13800000001", "text": text}
    )
    number = (await c.intake.receive(body, actor="calltaker")).case_number
    classified = CaseActionIn(
        category=category, subtype=subtype, emergency=emergency, priority=priority
    )
    await c.cases.act(number, Action.classify, classified, CALLTAKER)
    if township is not None:
        tid = await unit_id(c, township)
        async with c.db.session() as s:
            await s.execute(update(CaseRow).where(CaseRow.number == number).values(township_id=tid))
    return number


async def instructions(c: CoreServices, number: str) -> list[InstructionRow]:
    async with c.db.session() as s:
        return list(
            await s.scalars(
                select(InstructionRow)
                .join(CaseRow, CaseRow.id == InstructionRow.case_id)
                .where(CaseRow.number == number)
                .order_by(InstructionRow.id)
            )
        )


async def steps(c: CoreServices, instruction_id: int) -> list[str]:
    async with c.db.session() as s:
        return list(
            await s.scalars(
                select(EscalationStepRow.step)
                .where(EscalationStepRow.instruction_id == instruction_id)
                .order_by(EscalationStepRow.id)
            )
        )


async def ladder(c: CoreServices, instruction_id: int) -> EscalationRow:
    async with c.db.session() as s:
        row = await s.scalar(
            select(EscalationRow).where(EscalationRow.instruction_id == instruction_id)
        )
    assert row is not None
    return row


async def notices_sent(c: CoreServices, instruction_id: int, step: str) -> list[NotificationRow]:
    async with c.db.session() as s:
        return list(
            await s.scalars(
                select(NotificationRow)
                .where(
                    NotificationRow.instruction_id == instruction_id, NotificationRow.step == step
                )
                .order_by(NotificationRow.id)
            )
        )


async def delivery_counts(c: CoreServices) -> tuple[int, int, int]:
    """(notices the steps promised, notification rows recorded, steps not yet delivered)."""
    async with c.db.session() as s:
        promised = sum(len(n) for n in await s.scalars(select(EscalationStepRow.notices)))
        recorded = int(await s.scalar(select(func.count()).select_from(NotificationRow)) or 0)
        unsent = int(
            await s.scalar(
                select(func.count())
                .select_from(EscalationStepRow)
                .where(EscalationStepRow.notified_at.is_(None))
            )
            or 0
        )
    return promised, recorded, unsent


async def all_delivered(c: CoreServices, within_s: float) -> None:
    """Wait until every notice a step promised is recorded and every step is marked."""
    async with asyncio.timeout(within_s):
        while True:
            promised, recorded, unsent = await delivery_counts(c)
            if unsent == 0 and promised == recorded:
                return
            await asyncio.sleep(0.1)
