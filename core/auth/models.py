"""Roles and the authenticated principal (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    call_taker = "call_taker"  # 接警员
    dispatcher = "dispatcher"  # 调度员 / 值班长
    unit_staff = "unit_staff"  # 部门、乡镇、网格 — own unit only
    leader = "leader"  # 领导
    admin = "admin"  # 系统管理员
    auditor = "auditor"  # 审计 / 纪检监察 — read-only, sees the logs
    channel = "channel"  # service account of a channel adapter (WeChat, SMS …)


ROLE_LABELS = {
    Role.call_taker: "接警员",
    Role.dispatcher: "调度员",
    Role.unit_staff: "单位人员",
    Role.leader: "领导",
    Role.admin: "管理员",
    Role.auditor: "审计员",
    Role.channel: "渠道接入",
}


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: int
    username: str
    role: Role
    display_name: str
    unit_id: int | None = None
    via: str = "bearer"  # "bearer" | "session"
