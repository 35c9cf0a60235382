"""Appending to the case log: one row per change, numbered per case."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.cases.lifecycle import Action
from core.cases.tables import CaseEventRow


async def append(
    session: AsyncSession,
    *,
    case_id: int,
    actor: str,
    action: Action,
    at: datetime,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    seq: int | None = None,
) -> CaseEventRow:
    if seq is None:
        last = await session.scalar(
            select(func.max(CaseEventRow.seq)).where(CaseEventRow.case_id == case_id)
        )
        seq = (last or 0) + 1
    row = CaseEventRow(
        case_id=case_id,
        seq=seq,
        at=at,
        actor=actor,
        action=action.value,
        before=before or {},
        after=after or {},
        data=data or {},
    )
    session.add(row)
    return row
