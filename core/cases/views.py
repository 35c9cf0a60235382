"""Turning case rows into their public shape, masking phone numbers for roles
that do not need them (R: personal data on a need-to-know basis)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.cases.lifecycle import allowed_actions
from core.cases.masking import mask_phone, shown
from core.cases.models import STATE_LABELS, CaseState
from core.cases.schemas import CasePublic, ContactPublic, InstructionPublic, LocationOut
from core.cases.tables import CaseRow, ContactRow, InstructionRow
from core.orgmap.tables import UnitRow

__all__ = ["case_public", "mask_phone"]


def _location(
    lat: float | None, lon: float | None, source: str | None, address: str | None
) -> LocationOut | None:
    if lat is None or lon is None:
        return None
    return LocationOut(lat=lat, lon=lon, source=source, address=address)


async def case_public(s: AsyncSession, case: CaseRow, *, full_phones: bool) -> CasePublic:
    contacts = (
        await s.scalars(
            select(ContactRow).where(ContactRow.case_id == case.id).order_by(ContactRow.id)
        )
    ).all()
    instructions = (
        await s.execute(
            select(InstructionRow, UnitRow.name)
            .join(UnitRow, UnitRow.id == InstructionRow.unit_id)
            .where(InstructionRow.case_id == case.id)
            .order_by(InstructionRow.id)
        )
    ).all()
    merged_into = None
    if case.merged_into_id is not None:
        merged_into = await s.scalar(
            select(CaseRow.number).where(CaseRow.id == case.merged_into_id)
        )
    show = shown(full_phones)
    state = CaseState(case.state)
    return CasePublic(
        number=case.number,
        state=state.value,
        state_label=STATE_LABELS[state],
        category=case.category,
        subtype=case.subtype,
        emergency=case.emergency,
        priority=case.priority,
        summary=show(case.summary),
        location=_location(case.lat, case.lon, case.location_source, case.address),
        township_id=case.township_id,
        grid_id=case.grid_id,
        reopen_count=case.reopen_count,
        merged_into=merged_into,
        taken_by=case.taken_by,
        created_at=case.created_at,
        updated_at=case.updated_at,
        version=case.version,
        allowed_actions=[a.value for a in allowed_actions(state)],
        contacts=[
            ContactPublic(
                id=c.id,
                channel=c.channel,
                hotline=c.hotline,
                sender=show(c.sender),
                text=show(c.text),
                transcript=show(c.transcript) if c.transcript else None,
                received_at=c.received_at,
                location=_location(c.lat, c.lon, c.location_source, c.address),
            )
            for c in contacts
        ],
        instructions=[
            InstructionPublic(
                id=i.id,
                unit_id=i.unit_id,
                unit_name=name,
                role=i.role,
                state=i.state,
                sent_at=i.sent_at,
                ack_deadline=i.ack_deadline,
                done_deadline=i.done_deadline,
                acknowledged_at=i.acknowledged_at,
                completed_at=i.completed_at,
                reason=i.reason,
            )
            for i, name in instructions
        ],
    )
