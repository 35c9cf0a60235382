"""Duty tiers and rosters (R8): who is on duty at a unit now, and who gets an instruction.

Pure policy. The seed's rules:

* tier-1 units station one section-level cadre in the center 24 hours a day; the
  cadres of a unit take turns by the day (handover at 08:00);
* tier-2 and tier-3 units keep 12-hour or 8-hour duty: here 12-hour duty runs
  08:00–20:00 every day (they stay reachable, weekends included) and 8-hour duty is
  office hours on working days;
* a grid's grid worker is the grid's person at any hour (R3, R7 "straight to the
  grid worker").

When nobody at the lead unit is on duty, an instruction whose acknowledge limit is on
the wall clock (it cannot wait for the morning) goes to the catalogue's fallback unit
if someone there is on duty, the lead unit then assisting; otherwise the lead unit's
head is told (heads are reachable at any hour and are the first push of R12 anyway).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from core.worktime.calendar import WorkCalendar

# Duty rosters change at 08:00: a night belongs to the duty day that started that morning.
HANDOVER = time(8, 0)
TWELVE_HOUR_WINDOW = (time(8, 0), time(20, 0))
# Duty hours by tier when a unit row names none (departments; R8).
TIER_HOURS = {1: 24, 2: 12, 3: 8}
KIND_HOURS = {"center": 24, "grid": 24, "township": 24, "village": 8}


class How(StrEnum):
    stationed = "stationed"  # tier-1 cadre stationed in the center
    roster = "roster"  # the unit's duty roster
    grid_worker = "grid_worker"
    fallback_unit = "fallback_unit"  # the catalogue's fallback unit's duty person
    unit_head = "unit_head"  # nobody on duty: the unit's head is told
    nobody = "nobody"  # not even a head on record: the unit's phone only


@dataclass(frozen=True, slots=True)
class DutyUnit:
    id: int
    kind: str  # center / department / township / village / grid
    tier: int | None = None
    duty_hours: int | None = None


@dataclass(frozen=True, slots=True)
class Staff:
    person_id: int
    role: str
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Assignment:
    unit_id: int  # the unit that leads (the fallback unit when it took over)
    person_id: int | None  # who is told now
    how: How
    lead_replaced: bool = False  # True when the fallback unit took the lead


def hours_of(unit: DutyUnit) -> int:
    if unit.duty_hours in (8, 12, 24):
        return int(unit.duty_hours)
    if unit.kind == "department" and unit.tier in TIER_HOURS:
        return TIER_HOURS[unit.tier]
    return KIND_HOURS.get(unit.kind, 8)


def window_open(unit: DutyUnit, at: datetime, cal: WorkCalendar) -> bool:
    """Is the unit's duty window open at ``at``?"""
    hours = hours_of(unit)
    if hours >= 24:
        return True
    local = cal.local(at)
    if hours >= 12:
        start, end = TWELVE_HOUR_WINDOW
        return start <= local.time() < end
    d = local.date()
    return cal.is_working_day(d) and cal.opens(d) <= local < cal.closes(d)


def duty_staff(unit: DutyUnit, staff: Sequence[Staff]) -> list[Staff]:
    """The people of a unit who take duty turns, in a stable order."""
    if unit.kind == "grid":
        chosen = [s for s in staff if s.role == "grid_worker"]
    elif unit.kind == "center":
        chosen = [s for s in staff if s.role == "dispatcher"]
    elif unit.kind == "department":
        chosen = [s for s in staff if s.role == "duty_officer"]
    else:
        # Township centers and village windows: staff titled 值班 keep the roster;
        # without any, every staff member takes turns.
        members = [s for s in staff if s.role == "unit_staff"]
        chosen = [s for s in members if s.title and "值班" in s.title] or members
    return sorted(chosen, key=lambda s: s.person_id)


def duty_day(at: datetime, cal: WorkCalendar) -> int:
    """Ordinal of the duty day ``at`` belongs to (days turn at the 08:00 handover)."""
    local = cal.local(at)
    shifted = local - timedelta(hours=HANDOVER.hour, minutes=HANDOVER.minute)
    return shifted.date().toordinal()


def duty_date(at: datetime, cal: WorkCalendar) -> date:
    """The duty day ``at`` belongs to, as the date it started on (rosters name it)."""
    return date.fromordinal(duty_day(at, cal))


def on_duty(
    unit: DutyUnit,
    staff: Sequence[Staff],
    at: datetime,
    cal: WorkCalendar,
    rostered: int | None = None,
) -> Staff | None:
    """Who of ``staff`` is on duty at ``unit`` at ``at`` (rotating by duty day), or None.
    ``rostered``: the person an administrator put on duty that day (over the rotation)."""
    if not window_open(unit, at, cal):
        return None
    if rostered is not None:
        return next((s for s in staff if s.person_id == rostered), Staff(rostered, "rostered"))
    people = duty_staff(unit, staff)
    if not people:
        return None
    return people[duty_day(at, cal) % len(people)]


def _how(unit: DutyUnit) -> How:
    if unit.kind == "grid":
        return How.grid_worker
    if unit.kind == "department" and hours_of(unit) >= 24:
        return How.stationed
    return How.roster


def assign(
    lead: DutyUnit,
    lead_staff: Sequence[Staff],
    at: datetime,
    cal: WorkCalendar,
    *,
    urgent: bool,
    heads: Sequence[Staff] = (),
    fallback: DutyUnit | None = None,
    fallback_staff: Sequence[Staff] = (),
    rostered: Mapping[int, int] | None = None,
) -> Assignment:
    """Who receives a new instruction for ``lead`` at ``at``.

    ``urgent`` means the acknowledge limit runs on the wall clock; ``heads`` are the
    people to tell when nobody is on duty (the lead unit's head, or for a grid the
    head of the nearest unit above it that has one); ``rostered`` maps a unit to the
    person an administrator put on duty for this duty day.
    """
    rostered = rostered or {}
    person = on_duty(lead, lead_staff, at, cal, rostered.get(lead.id))
    if person is not None:
        return Assignment(lead.id, person.person_id, _how(lead))
    if urgent and fallback is not None and fallback.id != lead.id:
        other = on_duty(fallback, fallback_staff, at, cal, rostered.get(fallback.id))
        if other is not None:
            return Assignment(fallback.id, other.person_id, How.fallback_unit, lead_replaced=True)
    head = min((h for h in heads if h.role == "unit_head"), key=lambda h: h.person_id, default=None)
    if head is not None:
        return Assignment(lead.id, head.person_id, How.unit_head)
    return Assignment(lead.id, None, How.nobody)
