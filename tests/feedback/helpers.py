"""Helpers for the feedback tests: a case taken to 办结 through the real lifecycle."""

from __future__ import annotations

from sqlalchemy import select

from core.auth.models import Principal, Role
from core.cases.lifecycle import Action
from core.cases.schemas import CaseActionIn, ContactCreate
from core.orgmap.tables import UnitRow
from core.wiring import CoreServices

ADMIN = Principal(1, "admin", Role.admin, "管理员")
LEADER = Principal(2, "leader", Role.leader, "领导")


async def unit_id(c: CoreServices, name: str) -> int:
    async with c.db.session() as s:
        uid = await s.scalar(select(UnitRow.id).where(UnitRow.name == name))
    assert uid is not None, name
    return int(uid)


async def completed_case(
    c: CoreServices,
    *,
    channel: str = "sms",
    sender: str = "13985710001",
    unit: str = "新仁苗族乡",
    hotline: str | None = None,
    text: str = "新仁乡路灯坏了一个月",
) -> tuple[str, int]:
    """A case reported by ``sender``, dispatched to ``unit``, acknowledged, completed."""
    created = await c.intake.receive(
        ContactCreate(channel=channel, sender=sender, text=text, hotline=hotline),
        actor=f"channel:{channel}",
    )
    number = created.case_number
    uid = await unit_id(c, unit)
    await c.cases.act(number, Action.dispatch, CaseActionIn(lead_unit_id=uid), ADMIN)
    await c.cases.act(number, Action.acknowledge, CaseActionIn(unit_id=uid), ADMIN)
    await c.cases.act(number, Action.complete, CaseActionIn(unit_id=uid), ADMIN)
    return number, uid
