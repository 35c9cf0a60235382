"""The escalation ladder of one instruction (R12) as a pure state machine.

Events in, commands out, time passed in (the controllable clock is whatever the
caller says "now" is). For every instruction the ladder:

1. delivers it to whoever is on duty (:class:`Deliver`);
2. sends a reminder (催办, :class:`Remind`) before each deadline it watches;
3. on each missed deadline takes the next step (:class:`Escalate`): the unit's head
   (主要领导) → the deputy mayor in charge (分管副市级领导) → the mayor and party
   secretary (市委市政府主要领导) → referral to discipline inspection (纪检监察), which
   ends the ladder. After each step the unit gets a grace period (the catalogue's
   ``grace``) before the next one;
4. treats a return (退单) without a valid reason (推诿扯皮) as a miss: one step up.

The level only climbs, across the acknowledge and the completion phase alike: "on
each miss the next step". After an outage the ladder resumes one step at a time from
"now" (each leader gets the full grace period) rather than firing every overdue step
at once. Events carry their own time and the ladder first catches up to it, so a late
acknowledgement that arrives after a deadline still counts that miss.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import IntEnum, StrEnum

from core.worktime.calendar import Limit, WorkCalendar

# Reminders go out when this share of the window has passed (in office time for
# working-time limits, so they land in office hours).
REMIND_AT = 0.8


class Phase(StrEnum):
    deliver = "deliver"  # sent; the on-duty person is not told yet
    ack = "ack"  # waiting for 签收
    done = "done"  # waiting for 办结
    closed = "closed"


class Level(IntEnum):
    none = 0
    unit_head = 1  # 涉事单位主要领导
    deputy_mayor = 2  # 分管副市级领导
    principal = 3  # 市委市政府主要领导
    discipline = 4  # 纪检监察机关


LEVEL_LABELS = {
    Level.none: "未督办",
    Level.unit_head: "推送单位主要领导督促办理",
    Level.deputy_mayor: "推送分管副市级领导督促整改",
    Level.principal: "推送市委市政府主要领导督促整改",
    Level.discipline: "移送纪检监察机关",
}


class Cause(StrEnum):
    ack_missed = "ack_missed"
    done_missed = "done_missed"
    returned = "returned"  # 退单 without a valid reason


@dataclass(frozen=True, slots=True)
class Ladder:
    phase: Phase
    level: Level
    sent_at: datetime
    ack_deadline: datetime
    done_deadline: datetime
    window_start: datetime  # start of the window being watched
    deadline: datetime  # its end
    working: bool  # the window is measured in office time
    reminded: bool
    ack_grace: Limit
    done_grace: Limit
    ack_working: bool
    done_working: bool
    closed_reason: str | None = None


def open_ladder(
    sent_at: datetime,
    ack_deadline: datetime,
    done_deadline: datetime,
    *,
    ack_limit: Limit,
    done_limit: Limit,
    ack_grace: Limit,
    done_grace: Limit,
    level: Level = Level.none,
) -> Ladder:
    """A new instruction's ladder; ``level`` carries over earlier misses on the case."""
    return Ladder(
        phase=Phase.deliver,
        level=level,
        sent_at=sent_at,
        ack_deadline=ack_deadline,
        done_deadline=done_deadline,
        window_start=sent_at,
        deadline=ack_deadline,
        working=ack_limit.working,
        reminded=False,
        ack_grace=ack_grace,
        done_grace=done_grace,
        ack_working=ack_limit.working,
        done_working=done_limit.working,
    )


# -- events -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tick:
    at: datetime


@dataclass(frozen=True, slots=True)
class Acknowledged:
    at: datetime


@dataclass(frozen=True, slots=True)
class Completed:
    at: datetime


@dataclass(frozen=True, slots=True)
class Returned:
    at: datetime
    valid: bool  # a reason the work plan accepts
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Withdrawn:
    at: datetime  # 改派: the center took it back


@dataclass(frozen=True, slots=True)
class CaseEnded:
    """The case no longer needs this unit: merged into another case (并单), or done
    (办结/结案) through its lead unit while this assisting instruction was still open."""

    at: datetime
    reason: str  # case_merged / case_completed


Event = Tick | Acknowledged | Completed | Returned | Withdrawn | CaseEnded


# -- commands ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Deliver:
    due_at: datetime

    @property
    def step(self) -> str:
        return "deliver"


@dataclass(frozen=True, slots=True)
class Remind:
    due_at: datetime
    phase: Phase
    level: Level
    deadline: datetime

    @property
    def step(self) -> str:
        # One reminder per watched deadline: the phase and level name it uniquely.
        return f"remind:{self.phase.value}:{int(self.level)}"


@dataclass(frozen=True, slots=True)
class Escalate:
    due_at: datetime
    level: Level  # the level reached
    cause: Cause
    phase: Phase  # the phase the miss happened in
    missed: datetime | None  # the deadline missed (None for a return)
    next_deadline: datetime | None  # the grace deadline, None when the ladder ends

    @property
    def step(self) -> str:
        return f"escalate:{int(self.level)}"


@dataclass(frozen=True, slots=True)
class Close:
    at: datetime
    reason: str

    @property
    def step(self) -> str:
        return "close"


Command = Deliver | Remind | Escalate | Close


# -- the machine ------------------------------------------------------------------------


def remind_at(ladder: Ladder, cal: WorkCalendar) -> datetime:
    return cal.point_at(ladder.window_start, ladder.deadline, REMIND_AT, working=ladder.working)


def next_due(ladder: Ladder, cal: WorkCalendar) -> datetime | None:
    """When the ladder next needs a tick, or None once closed."""
    if ladder.phase is Phase.closed:
        return None
    if ladder.phase is Phase.deliver:
        return ladder.sent_at
    if not ladder.reminded:
        r = remind_at(ladder, cal)
        if r < ladder.deadline:
            return r
    return ladder.deadline


def _close(ladder: Ladder, at: datetime, reason: str) -> tuple[Ladder, list[Command]]:
    return replace(ladder, phase=Phase.closed, closed_reason=reason), [Close(at, reason)]


def _climb(
    ladder: Ladder, now: datetime, cause: Cause, missed: datetime | None, cal: WorkCalendar
) -> tuple[Ladder, Escalate]:
    level = Level(min(int(ladder.level) + 1, int(Level.discipline)))
    if level is Level.discipline:
        step = Escalate(now, level, cause, ladder.phase, missed, None)
        return replace(ladder, level=level, phase=Phase.closed, closed_reason="referred"), step
    grace = ladder.ack_grace if ladder.phase is Phase.ack else ladder.done_grace
    start = max(now, ladder.deadline)
    deadline = cal.deadline(start, grace)
    step = Escalate(now, level, cause, ladder.phase, missed, deadline)
    return (
        replace(
            ladder,
            level=level,
            window_start=start,
            deadline=deadline,
            working=grace.working,
            reminded=False,
        ),
        step,
    )


def tick(ladder: Ladder, now: datetime, cal: WorkCalendar) -> tuple[Ladder, list[Command]]:
    """Take every step due at or before ``now``."""
    out: list[Command] = []
    while (due := next_due(ladder, cal)) is not None and due <= now:
        if ladder.phase is Phase.deliver:
            out.append(Deliver(due))
            ladder = replace(
                ladder,
                phase=Phase.ack,
                window_start=ladder.sent_at,
                deadline=ladder.ack_deadline,
                working=ladder.ack_working,
                reminded=False,
            )
        elif due < ladder.deadline:
            # A reminder after the deadline is pointless: only send it while it helps.
            if now < ladder.deadline:
                out.append(Remind(due, ladder.phase, ladder.level, ladder.deadline))
            ladder = replace(ladder, reminded=True)
        else:
            cause = Cause.ack_missed if ladder.phase is Phase.ack else Cause.done_missed
            ladder, step = _climb(ladder, now, cause, ladder.deadline, cal)
            out.append(replace(step, due_at=due))
            if ladder.phase is Phase.closed:
                out.append(Close(now, "referred"))
    return ladder, out


def _to_done(ladder: Ladder) -> Ladder:
    return replace(
        ladder,
        phase=Phase.done,
        window_start=ladder.sent_at,
        deadline=ladder.done_deadline,
        working=ladder.done_working,
        reminded=False,
    )


def advance(ladder: Ladder, event: Event, cal: WorkCalendar) -> tuple[Ladder, list[Command]]:
    """Apply one event; returns the new ladder and the commands to carry out, in order."""
    if ladder.phase is Phase.closed:
        return ladder, []
    if isinstance(event, Withdrawn):
        return _close(ladder, event.at, "withdrawn")
    if isinstance(event, CaseEnded):
        return _close(ladder, event.at, event.reason)
    ladder, out = tick(ladder, event.at, cal)
    if ladder.phase is Phase.closed or isinstance(event, Tick):
        return ladder, out
    if isinstance(event, Acknowledged):
        if ladder.phase in (Phase.deliver, Phase.ack):
            ladder = _to_done(ladder)
        return ladder, out
    if isinstance(event, Completed):
        ladder, more = _close(ladder, event.at, "completed")
        return ladder, out + more
    # Returned
    if event.valid:
        ladder, more = _close(ladder, event.at, "returned")
        return ladder, out + more
    ladder, step = _climb(ladder, event.at, Cause.returned, None, cal)
    out.append(step)
    reason = "referred" if ladder.phase is Phase.closed else "returned_invalid"
    ladder, more = _close(ladder, event.at, reason)
    return ladder, out + more


def run(
    ladder: Ladder, events: list[Event], now: datetime, cal: WorkCalendar
) -> tuple[Ladder, list[Command]]:
    """Apply ``events`` in time order, then tick to ``now``."""
    out: list[Command] = []
    for e in sorted(events, key=lambda e: e.at):
        ladder, cmds = advance(ladder, e, cal)
        out += cmds
    ladder, cmds = advance(ladder, Tick(now), cal)
    return ladder, out + cmds
