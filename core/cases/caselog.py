"""Appending to the case log: one row per change, numbered per case and hash-chained
to the case's previous event (``core.storage.chain``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from core.cases.lifecycle import Action
from core.cases.tables import CaseEventRow
from core.storage.chain import GENESIS, event_fields, link, seal_events


async def _head(session: AsyncSession, case_id: int) -> tuple[int, str]:
    """The case's last (seq, hash); (0, GENESIS) for a case without events."""
    last = (
        await session.execute(
            select(CaseEventRow.seq, CaseEventRow.hash)
            .where(CaseEventRow.case_id == case_id)
            .order_by(CaseEventRow.seq.desc())
            .limit(1)
        )
    ).first()
    return (0, GENESIS) if last is None else (last[0], last[1] or GENESIS)


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
) -> CaseEventRow:
    # The query autoflushes events added earlier in this session, so two appends
    # to one case in one transaction chain in order. Two transactions racing on
    # one case both read the same head; the (case_id, seq) unique key refuses one.
    seq, prev = await _head(session, case_id)
    fields = {
        "case_id": case_id,
        "seq": seq + 1,
        "at": at,
        "actor": actor,
        "action": action.value,
        "before": before or {},
        "after": after or {},
        "data": data or {},
    }
    row = CaseEventRow(**fields, prev_hash=prev, hash=link(prev, event_fields(fields)))
    session.add(row)
    return row


async def heads(session: AsyncSession, case_ids: list[int]) -> dict[int, tuple[int, str]]:
    """Each case's last (seq, hash), for bulk appends (``seal_events``)."""
    if not case_ids:
        return {}
    last = (
        select(CaseEventRow.case_id, func.max(CaseEventRow.seq).label("seq"))
        .where(CaseEventRow.case_id.in_(case_ids))
        .group_by(CaseEventRow.case_id)
        .subquery()
    )
    rows = await session.execute(
        select(CaseEventRow.case_id, CaseEventRow.seq, CaseEventRow.hash).where(
            tuple_(CaseEventRow.case_id, CaseEventRow.seq).in_(select(last.c.case_id, last.c.seq))
        )
    )
    return {cid: (seq, h or GENESIS) for cid, seq, h in rows}


__all__ = ["append", "heads", "seal_events"]
