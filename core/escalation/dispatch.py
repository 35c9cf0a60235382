"""Dispatch planning: the catalogue, duty rosters and working-day deadlines applied to
one case, inside the dispatching transaction (``LadderDispatcher``, the cases' ``Dispatcher`` port).

``plan`` decides the units (explicit ids win; otherwise the catalogue's lead and
assisting units for the case's category, subtype and township kind), the deadlines and
who is told; ``open_ladders`` starts each new instruction's escalation timer. No
notification is sent here: the scheduler delivers the instruction (step ``deliver``)
right after commit, so a rolled-back dispatch never notifies anybody.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.cases.models import InstructionRole, InstructionState
from core.cases.settings import CaseSettings
from core.cases.tables import CaseRow, InstructionRow
from core.dispatch.catalogue import Catalogue, Route, Target, TargetKind, default_catalogue
from core.dispatch.duty import Assignment, DutyUnit, Staff, assign, duty_date
from core.dispatch.tables import CatalogueOverrideRow, DutyOverrideRow
from core.errors import InvalidInput, NotFound
from core.escalation.ladder import Phase
from core.escalation.tables import EscalationRow
from core.orgmap.tables import PersonRow, UnitRow
from core.worktime.calendar import Limit, Unit, WorkCalendar, default_calendar

DUTY_ROLES = ("duty_officer", "unit_staff", "grid_worker", "dispatcher", "unit_head")


@dataclass(frozen=True, slots=True)
class Plan:
    unit_ids: list[int]  # lead first
    assignments: dict[int, Assignment]  # unit id -> who is told
    rule_id: str | None
    ack: Limit
    done: Limit
    ack_grace: Limit
    done_grace: Limit
    ack_deadline: datetime
    done_deadline: datetime


def default_limits(settings: CaseSettings, priority: int) -> tuple[Limit, Limit]:
    """The settings' per-priority limits, for cases the catalogue cannot route."""
    ack = Limit(settings.ack_minutes[priority - 1], Unit.minutes)
    done = Limit(round(settings.done_hours[priority - 1] * 60), Unit.minutes)
    return ack, done


async def _unit(s: AsyncSession, unit_id: int) -> UnitRow:
    unit = await s.get(UnitRow, unit_id)
    if unit is None:
        raise NotFound(f"no unit {unit_id}", error_id="unit-not-found")
    return unit


async def _by_code(s: AsyncSession, code: str) -> int | None:
    found = await s.scalar(select(UnitRow.id).where(UnitRow.code == code))
    return int(found) if found is not None else None


async def _resolve(s: AsyncSession, target: Target, case: CaseRow) -> int | None:
    if target.kind is TargetKind.department:
        return await _by_code(s, target.code or "")
    if target.kind is TargetKind.grid and case.grid_id is not None:
        return case.grid_id
    # A grid lead without a known grid goes to the grid's township center.
    return case.township_id


async def _place_kind(s: AsyncSession, case: CaseRow) -> str | None:
    if case.township_id is None:
        return None
    return await s.scalar(select(UnitRow.subkind).where(UnitRow.id == case.township_id))


async def _staff(s: AsyncSession, unit_ids: Sequence[int]) -> dict[int, list[Staff]]:
    rows = await s.execute(
        select(PersonRow.id, PersonRow.role, PersonRow.title, PersonRow.unit_id).where(
            PersonRow.unit_id.in_(list(unit_ids)), PersonRow.role.in_(DUTY_ROLES)
        )
    )
    out: dict[int, list[Staff]] = {u: [] for u in unit_ids}
    for pid, role, title, uid in rows:
        out[uid].append(Staff(pid, role, title))
    return out


async def _heads(s: AsyncSession, unit: UnitRow) -> list[Staff]:
    """The unit's head, or for a grid/village the head of the nearest unit above."""
    current: UnitRow | None = unit
    for _ in range(4):
        if current is None or current.kind == "center":
            return []
        rows = await s.execute(
            select(PersonRow.id, PersonRow.title).where(
                PersonRow.unit_id == current.id, PersonRow.role == "unit_head"
            )
        )
        heads = [Staff(pid, "unit_head", title) for pid, title in rows]
        if heads:
            return heads
        current = await s.get(UnitRow, current.parent_id) if current.parent_id else None
    return []


async def _rostered(s: AsyncSession, unit_ids: Sequence[int], day: str) -> dict[int, int]:
    """Who the admin console put on duty at these units for this duty day."""
    rows = await s.execute(
        select(DutyOverrideRow.unit_id, DutyOverrideRow.person_id).where(
            DutyOverrideRow.unit_id.in_(list(unit_ids)), DutyOverrideRow.day == day
        )
    )
    return {int(u): int(p) for u, p in rows}


def _duty_unit(u: UnitRow) -> DutyUnit:
    return DutyUnit(u.id, u.kind, u.tier, u.duty_hours)


async def plan(
    s: AsyncSession,
    case: CaseRow,
    unit_ids: Sequence[int | None],
    *,
    now: datetime,
    settings: CaseSettings,
    reopen: bool = False,
    catalogue: Catalogue | None = None,
    calendar: WorkCalendar | None = None,
) -> Plan:
    """Units, limits, deadlines and duty assignments for sending ``case`` now.

    ``unit_ids`` is ``[lead, *assist]`` as the caller named them; a lead of None asks
    the catalogue to decide (R7), and then its assisting units join the named ones.
    """
    cat = catalogue or default_catalogue()
    cal = calendar or default_calendar()
    route: Route | None = cat.route(
        case.category, case.subtype, await _place_kind(s, case), emergency=case.emergency
    )
    explicit_lead = unit_ids[0] if unit_ids else None
    assists = [u for u in unit_ids[1:] if u is not None]
    fallback_id = await _by_code(s, route.fallback) if route and route.fallback else None
    if explicit_lead is not None:
        lead = explicit_lead
    elif route is None:
        raise InvalidInput(
            "dispatch needs lead_unit_id: the catalogue cannot route an unclassified case",
            error_id="lead-unit-required",
            details={"category": case.category, "subtype": case.subtype},
        )
    else:
        resolved = await _resolve(s, route.lead, case)
        if resolved is None:
            resolved = fallback_id
        if resolved is None:
            raise InvalidInput(
                "dispatch needs lead_unit_id: the case is not placed and its rule has no fallback",
                error_id="lead-unit-required",
                details={"rule": route.rule_id},
            )
        lead = resolved
        for t in route.assist:
            uid = await _resolve(s, t, case)
            if uid is not None:
                assists.append(uid)

    if route is not None:
        ack, done, ack_grace, done_grace = route.ack, route.done, route.ack_grace, route.done_grace
        # An administrator's limits (admin console) win over catalogue.yaml at once.
        override = await s.get(CatalogueOverrideRow, route.rule_id)
        if override is not None:
            done = Limit.parse(override.done)
            if not case.emergency:  # emergencies keep the catalogue's 1-minute acknowledge
                ack = ack_grace = Limit.parse(override.ack)
    else:
        ack, done = default_limits(settings, case.priority)
        ack_grace, done_grace = ack, ack
    if reopen:
        done = cal.scale(done, settings.reopen_deadline_factor)

    lead_unit = await _unit(s, lead)
    units = {lead: lead_unit}
    for uid in assists:
        units.setdefault(uid, await _unit(s, uid))
    fallback_unit = None
    if explicit_lead is None and fallback_id is not None:
        fallback_unit = await _unit(s, fallback_id)
        units.setdefault(fallback_id, fallback_unit)
    staff = await _staff(s, list(units))
    rostered = await _rostered(s, list(units), duty_date(now, cal).isoformat())

    first = assign(
        _duty_unit(lead_unit),
        staff[lead],
        now,
        cal,
        urgent=not ack.working,
        heads=await _heads(s, lead_unit),
        fallback=_duty_unit(fallback_unit) if fallback_unit is not None else None,
        fallback_staff=staff.get(fallback_id, []) if fallback_id is not None else [],
        rostered=rostered,
    )
    ordered = [first.unit_id] + ([lead] if first.lead_replaced else []) + assists
    ordered = list(dict.fromkeys(ordered))
    assignments = {first.unit_id: first}
    for uid in ordered[1:]:
        unit = units[uid]
        assignments[uid] = assign(
            _duty_unit(unit), staff[uid], now, cal, urgent=not ack.working,
            heads=await _heads(s, unit), rostered=rostered,
        )  # fmt: skip
    return Plan(
        unit_ids=ordered,
        assignments=assignments,
        rule_id=route.rule_id if route else None,
        ack=ack,
        done=done,
        ack_grace=ack_grace,
        done_grace=done_grace,
        ack_deadline=cal.deadline(now, ack),
        done_deadline=cal.deadline(now, done),
    )


async def open_ladders(
    s: AsyncSession, plan: Plan, instructions: Sequence[InstructionRow], now: datetime
) -> list[EscalationRow]:
    """Start the escalation timer of each new instruction (flushed by the caller)."""
    rows = []
    for ins in instructions:
        # Earlier misses of the same unit on the same case carry over: a unit that
        # bounces a case again climbs from where it stood (R12).
        level = await s.scalar(
            select(func.max(EscalationRow.level)).where(
                EscalationRow.case_id == ins.case_id, EscalationRow.unit_id == ins.unit_id
            )
        )
        who = plan.assignments.get(ins.unit_id)
        row = EscalationRow(
            instruction_id=ins.id,
            case_id=ins.case_id,
            unit_id=ins.unit_id,
            rule_id=plan.rule_id,
            assignee_id=who.person_id if who else None,
            assignee_how=who.how.value if who else "nobody",
            phase=Phase.deliver.value,
            level=int(level or 0),
            window_start=ins.sent_at,
            deadline=ins.ack_deadline,
            working=plan.ack.working,
            reminded=False,
            ack_limit=str(plan.ack),
            done_limit=str(plan.done),
            ack_grace=str(plan.ack_grace),
            done_grace=str(plan.done_grace),
            next_due_at=ins.sent_at,
            created_at=now,
            updated_at=now,
        )
        s.add(row)
        rows.append(row)
    return rows


class LadderDispatcher:
    """Implements :class:`core.cases.ports.Dispatcher`: the plan, the instructions and
    their escalation timers, in the dispatching transaction. No notification is sent
    here: the scheduler delivers each instruction (step ``deliver``) after commit."""

    def __init__(self, settings: CaseSettings) -> None:
        self.settings = settings

    async def send(
        self,
        s: AsyncSession,
        case: CaseRow,
        unit_ids: Sequence[int | None],
        *,
        now: datetime,
        reopen: bool = False,
    ) -> list[int]:
        p = await plan(s, case, unit_ids, now=now, settings=self.settings, reopen=reopen)
        rows = []
        for i, uid in enumerate(p.unit_ids):
            row = InstructionRow(
                case_id=case.id,
                unit_id=uid,
                role=(InstructionRole.lead if i == 0 else InstructionRole.assist).value,
                state=InstructionState.sent.value,
                sent_at=now,
                ack_deadline=p.ack_deadline,
                done_deadline=p.done_deadline,
            )
            s.add(row)
            rows.append(row)
        await s.flush()
        await open_ladders(s, p, rows, now)
        await s.flush()
        return p.unit_ids
