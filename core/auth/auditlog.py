"""Appending to the audit log: one hash chain over the whole log, in id order.

Two transactions must not both chain onto the same last row, so on PostgreSQL an
append takes a transaction-scoped advisory lock first (held to commit; ids are
drawn under it, so id order is chain order). SQLite has one writer at a time
already (``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.tables import AuditRow
from core.storage.chain import GENESIS, audit_fields, link

# pg_advisory_xact_lock key of the audit chain ("audit" in ASCII, as an int).
AUDIT_LOCK = 0x6175646974


async def append(
    s: AsyncSession,
    *,
    at: datetime,
    actor: str,
    action: str,
    target: str | None = None,
    address: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditRow:
    if s.get_bind().dialect.name == "postgresql":
        await s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": AUDIT_LOCK})
    prev = await s.scalar(select(AuditRow.hash).order_by(AuditRow.id.desc()).limit(1))
    prev = prev or GENESIS
    fields: dict[str, Any] = {
        "at": at,
        "actor": actor,
        "action": action,
        "target": target,
        "address": address,
        "details": details or {},
    }
    row = AuditRow(**fields, prev_hash=prev, hash=link(prev, audit_fields(fields)))
    s.add(row)
    return row
