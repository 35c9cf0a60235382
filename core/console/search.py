"""Case search: every filter of the console as one SQL query, newest first, paged.

Text fragments go through the indexes migration 0014 made: on PostgreSQL ``ILIKE``
served by pg_trgm GIN indexes; on SQLite the FTS5 trigram table (fragments of three
characters or more) or LIKE (shorter ones). Phone numbers in the answer are always
masked: the full number stays one audited reveal away, as on the case panel.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, column, exists, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core.cases.instructions_api import OPEN
from core.cases.masking import mask_phone
from core.cases.models import STATE_LABELS, CaseState
from core.cases.tables import CaseRow, ContactRow, InstructionRow
from core.console.models import (
    CONTACT_LEAD,
    COUNT_CAP,
    TRIGRAM,
    SearchFilters,
    fts_phrase,
    like_pattern,
)
from core.console.schemas import SearchItem
from core.escalation.tables import EscalationStepRow
from core.orgmap.tables import UnitRow

_FTS = "SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH :fts"


def _text_match(fragment: str, dialect: str, since: datetime | None) -> ColumnElement[bool]:
    """Cases with a contact whose text or transcript contains the fragment."""
    if dialect == "sqlite" and len(fragment) >= TRIGRAM:
        rowids = text(_FTS).bindparams(fts=fts_phrase(fragment)).columns(column("rowid"))
        hits = select(ContactRow.case_id).where(ContactRow.id.in_(rowids))
    elif len(fragment) < TRIGRAM:
        # No trigram: a GIN trigram index would be read whole. A plain position test no
        # index serves keeps the planner on the date range (received_at) instead.
        where = func.strpos if dialect == "postgresql" else func.instr
        needle = fragment.lower()
        hits = select(ContactRow.case_id).where(
            or_(
                where(func.lower(ContactRow.text), needle) > 0,
                where(func.lower(func.coalesce(ContactRow.transcript, "")), needle) > 0,
            )
        )
    else:
        pattern = like_pattern(fragment)
        hits = select(ContactRow.case_id).where(
            or_(
                ContactRow.text.ilike(pattern, escape="\\"),
                ContactRow.transcript.ilike(pattern, escape="\\"),
            )
        )
    if since is not None:
        # The date range bounds the scan too (contacts.received_at is indexed).
        hits = hits.where(ContactRow.received_at >= since - CONTACT_LEAD)
    return CaseRow.id.in_(hits)


def _open_overdue(now: datetime) -> ColumnElement[bool]:
    # Served by the partial index of open instructions (migration 0014): closed ones,
    # nearly all of a year's, are never read.
    late = or_(
        and_(InstructionRow.state == "sent", InstructionRow.ack_deadline < now),
        InstructionRow.done_deadline < now,
    )
    return CaseRow.id.in_(
        select(InstructionRow.case_id).where(InstructionRow.state.in_(sorted(OPEN)), late)
    )


def conditions(f: SearchFilters, now: datetime, dialect: str) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if f.q:
        where.append(_text_match(f.q, dialect, f.since))
    if f.number:
        # Case numbers are QX-YYYYMMDD-NNNNN: a prefix finds a day's cases.
        where.append(CaseRow.number.startswith(f.number.upper(), autoescape=True))
    if f.phone:
        where.append(CaseRow.id.in_(select(ContactRow.case_id).where(ContactRow.sender == f.phone)))
    for col, value in (
        (CaseRow.category, f.category),
        (CaseRow.state, f.state),
        (CaseRow.township_id, f.township_id),
        (CaseRow.grid_id, f.grid_id),
    ):
        if value is not None:
            where.append(col == value)
    if f.since is not None:
        where.append(CaseRow.created_at >= f.since)
    if f.until is not None:
        where.append(CaseRow.created_at < f.until)
    contact_filters = [
        c
        for c in (
            ContactRow.channel == f.channel if f.channel else None,
            ContactRow.hotline == f.hotline if f.hotline else None,
        )
        if c is not None
    ]
    if contact_filters:
        where.append(exists().where(ContactRow.case_id == CaseRow.id, *contact_filters))
    if f.unit_id is not None:
        where.append(
            exists().where(
                InstructionRow.case_id == CaseRow.id, InstructionRow.unit_id == f.unit_id
            )
        )
    if f.overdue:
        where.append(_open_overdue(now))
    if f.escalated:
        where.append(
            exists().where(
                EscalationStepRow.case_id == CaseRow.id, EscalationStepRow.kind == "escalate"
            )
        )
    return where


def scoped(where: list[ColumnElement[bool]], unit_scope: int | None) -> list[ColumnElement[bool]]:
    """Unit staff find only cases their unit holds (or held) an instruction for."""
    if unit_scope is None:
        return where
    held = exists().where(
        InstructionRow.case_id == CaseRow.id, InstructionRow.unit_id == unit_scope
    )
    return [*where, held]


async def search(
    s: AsyncSession,
    f: SearchFilters,
    *,
    now: datetime,
    unit_scope: int | None = None,
    offset: int = 0,
    limit: int = 50,
    count_cap: int = COUNT_CAP,
) -> tuple[list[SearchItem], int]:
    """The page of items and the number of matching cases, at most ``count_cap + 1``."""
    dialect = s.get_bind().dialect.name
    if dialect == "postgresql":
        # asyncpg prepares statements; after five runs PostgreSQL may keep a generic plan
        # that cannot see the fragment or the date, and picks scans 10-30x slower here.
        await s.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    where = scoped(conditions(f, now, dialect), unit_scope)
    # Counting stops past COUNT_CAP: a common fragment matches hundreds of thousands of
    # cases, and counting them all costs more than the page (total_capped says so).
    capped = select(CaseRow.id).where(*where).limit(count_cap + 1).subquery()
    total = int(await s.scalar(select(func.count()).select_from(capped)) or 0)
    township = aliased(UnitRow)
    rows = (
        await s.execute(
            select(CaseRow, township.name)
            .outerjoin(township, township.id == CaseRow.township_id)
            .where(*where)
            .order_by(CaseRow.created_at.desc(), CaseRow.id.desc())
            .offset(offset)
            .limit(limit)
        )
    ).all()
    return await items(s, rows), total


async def items(s: AsyncSession, rows: Sequence[Any]) -> list[SearchItem]:
    """Rows of (CaseRow, township name) as search items with their first contact."""
    first = await _first_contacts(s, [case.id for case, _ in rows])
    out = []
    for case, township_name in rows:
        contact = first.get(case.id)
        out.append(
            SearchItem(
                number=case.number,
                phone=mask_phone(contact.sender) if contact else None,
                summary=mask_phone(case.summary),
                state=case.state,
                state_label=STATE_LABELS[CaseState(case.state)],
                category=case.category,
                priority=case.priority,
                emergency=case.emergency,
                township=township_name,
                township_id=case.township_id,
                channel=contact.channel if contact else None,
                hotline=contact.hotline if contact else None,
                created_at=case.created_at,
            )
        )
    return out


async def _first_contacts(s: AsyncSession, case_ids: list[int]) -> dict[int, ContactRow]:
    if not case_ids:
        return {}
    firsts = (
        select(func.min(ContactRow.id))
        .where(ContactRow.case_id.in_(case_ids))
        .group_by(ContactRow.case_id)
    )
    found = await s.scalars(select(ContactRow).where(ContactRow.id.in_(firsts)))
    return {c.case_id: c for c in found}
