"""Demo logins for `make run` (never in production: the ``demo`` flag makes
``AuthService`` refuse them there)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from core.auth.models import Role
from core.auth.service import AuthService
from core.auth.tables import UserRow
from core.orgmap.tables import UnitRow
from core.storage.engine import Database


@dataclass(frozen=True, slots=True)
class DemoAccount:
    username: str
    password: str
    role: Role
    display_name: str
    unit_name: str | None = None  # unit staff belong to one unit


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("calltaker", "demo-calltaker-110", Role.call_taker, "接警员 王敏"),
    DemoAccount("calltaker2", "demo-calltaker-110", Role.call_taker, "接警员 李娟"),
    DemoAccount("dispatcher", "demo-dispatcher-110", Role.dispatcher, "值班长 张伟"),
    DemoAccount(
        "police", "demo-unit-110", Role.unit_staff, "公安指挥中心 值班民警", "市公安局指挥中心"
    ),
    DemoAccount(
        "xinren", "demo-unit-110", Role.unit_staff, "新仁苗族乡综治中心 值班员", "新仁苗族乡"
    ),
    DemoAccount("leader", "demo-leader-110", Role.leader, "分管副市长 陈刚"),
    DemoAccount("admin", "demo-admin-110", Role.admin, "系统管理员"),
    DemoAccount("auditor", "demo-auditor-110", Role.auditor, "纪检监察 审计员"),
    DemoAccount("gateway", "demo-gateway-110", Role.channel, "渠道接入网关"),
)


async def ensure_demo_accounts(db: Database, auth: AuthService) -> int:
    """Create the demo accounts that are missing; returns how many were created."""
    created = 0
    async with db.session() as s:
        existing = set(await s.scalars(select(UserRow.username)))
        units = {name: uid for uid, name in await s.execute(select(UnitRow.id, UnitRow.name))}
    for a in DEMO_ACCOUNTS:
        if a.username in existing:
            continue
        unit_id = units.get(a.unit_name) if a.unit_name else None
        if a.unit_name and unit_id is None:
            continue  # org map not seeded yet; created on the next run
        await auth.create_user(
            a.username, a.password, a.role, a.display_name, unit_id=unit_id, demo=True
        )
        created += 1
    return created
