"""The escalation ladder (R12) with a controllable clock: events in, commands out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from core.escalation.ladder import (
    Acknowledged,
    CaseEnded,
    Cause,
    Close,
    Command,
    Completed,
    Deliver,
    Escalate,
    Ladder,
    Level,
    Phase,
    Remind,
    Returned,
    Tick,
    Withdrawn,
    advance,
    next_due,
    open_ladder,
    run,
)
from core.worktime.calendar import Limit, default_calendar

CAL = default_calendar()
T0 = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # Wednesday 10:00 in Qianxi
MIN = timedelta(minutes=1)


class Clock:
    """The controllable clock: tests move time, the ladder never reads a real one."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def advance(self, delta: timedelta) -> datetime:
        self.now += delta
        return self.now


def emergency(level: Level = Level.none) -> Ladder:
    one = Limit.parse("1 minute")
    return open_ladder(
        T0,
        T0 + MIN,
        T0 + timedelta(hours=1),
        ack_limit=one,
        done_limit=Limit.parse("1 hour"),
        ack_grace=one,
        done_grace=Limit.parse("10 minutes"),
        level=level,
    )


def complaint() -> Ladder:
    ack, done = Limit.parse("2 working_hours"), Limit.parse("10 working_days")
    return open_ladder(
        T0,
        CAL.deadline(T0, ack),
        CAL.deadline(T0, done),
        ack_limit=ack,
        done_limit=done,
        ack_grace=ack,
        done_grace=Limit.parse("1 working_day"),
    )


def drive(ladder: Ladder, until: datetime) -> tuple[Ladder, list[Command]]:
    """Tick exactly at every due time up to ``until`` (a perfectly punctual scheduler)."""
    out: list[Command] = []
    while (due := next_due(ladder, CAL)) is not None and due <= until:
        ladder, cmds = advance(ladder, Tick(due), CAL)
        out += cmds
    return ladder, out


def steps(cmds: list[Command]) -> list[str]:
    return [c.step for c in cmds if not isinstance(c, Close)]


def test_a_unit_that_never_acknowledges_climbs_the_whole_ladder_to_discipline_inspection() -> None:
    ladder, cmds = drive(emergency(), T0 + timedelta(hours=1))
    assert steps(cmds) == [
        "deliver",
        "remind:ack:0",
        "escalate:1",
        "remind:ack:1",
        "escalate:2",
        "remind:ack:2",
        "escalate:3",
        "remind:ack:3",
        "escalate:4",
    ]
    escalations = [c for c in cmds if isinstance(c, Escalate)]
    assert [c.level for c in escalations] == [
        Level.unit_head,
        Level.deputy_mayor,
        Level.principal,
        Level.discipline,
    ]
    # One minute to acknowledge, then one minute of grace per step.
    assert [c.due_at for c in escalations] == [T0 + i * MIN for i in (1, 2, 3, 4)]
    assert all(c.cause is Cause.ack_missed for c in escalations)
    assert escalations[-1].next_deadline is None
    assert ladder.phase is Phase.closed and ladder.closed_reason == "referred"
    assert isinstance(cmds[-1], Close)
    # Reminders come before each deadline: 48 s into each one-minute window.
    reminders = [c for c in cmds if isinstance(c, Remind)]
    assert [c.due_at for c in reminders] == [T0 + i * MIN + timedelta(seconds=48) for i in range(4)]


def test_ticking_again_at_the_same_time_takes_no_step_twice() -> None:
    clock = Clock(T0)
    ladder, first = advance(emergency(), Tick(clock.advance(MIN)), CAL)
    ladder2, again = advance(ladder, Tick(clock.now), CAL)
    assert steps(first) == ["deliver", "escalate:1"]  # the reminder came too late to help
    assert again == [] and ladder2 == ladder


def test_acknowledging_in_time_stops_the_ack_ladder_and_watches_completion() -> None:
    clock = Clock(T0)
    ladder, cmds = run(emergency(), [], clock.advance(timedelta(seconds=30)), CAL)
    ladder, more = advance(ladder, Acknowledged(clock.advance(timedelta(seconds=5))), CAL)
    assert steps(cmds + more) == ["deliver"]
    assert ladder.phase is Phase.done and ladder.level is Level.none
    ladder, cmds = drive(ladder, T0 + timedelta(minutes=59))
    assert steps(cmds) == ["remind:done:0"]
    ladder, cmds = advance(ladder, Completed(T0 + timedelta(minutes=59)), CAL)
    assert ladder.phase is Phase.closed and ladder.closed_reason == "completed"
    assert next_due(ladder, CAL) is None


def test_a_late_acknowledgement_still_counts_the_missed_deadline() -> None:
    # The scheduler was slow: it learns of an acknowledgement made 90 s after sending.
    ladder, cmds = run(emergency(), [Acknowledged(T0 + timedelta(seconds=90))], T0 + 2 * MIN, CAL)
    # The reminder is skipped: it would have arrived after the deadline it warns of.
    assert steps(cmds) == ["deliver", "escalate:1"]
    assert ladder.phase is Phase.done and ladder.level is Level.unit_head


def test_each_miss_climbs_one_step_across_acknowledge_and_completion() -> None:
    ladder, _ = drive(emergency(), T0 + MIN)  # missed the acknowledge: level 1
    ladder, _ = advance(ladder, Acknowledged(T0 + MIN + timedelta(seconds=10)), CAL)
    ladder, cmds = drive(ladder, T0 + timedelta(hours=1))
    assert steps(cmds) == ["remind:done:1", "escalate:2"]
    esc = cmds[-1]
    assert isinstance(esc, Escalate) and esc.cause is Cause.done_missed
    assert esc.next_deadline == T0 + timedelta(hours=1, minutes=10)  # the done grace


def test_a_return_without_a_valid_reason_climbs_the_same_ladder() -> None:
    ladder, cmds = run(emergency(), [Returned(T0 + timedelta(seconds=20), valid=False)], T0, CAL)
    esc = [c for c in cmds if isinstance(c, Escalate)]
    assert [(c.level, c.cause) for c in esc] == [(Level.unit_head, Cause.returned)]
    assert ladder.closed_reason == "returned_invalid"


def test_a_return_with_a_valid_reason_closes_without_a_step() -> None:
    ladder, cmds = run(emergency(), [Returned(T0 + timedelta(seconds=20), valid=True)], T0, CAL)
    assert steps(cmds) == ["deliver"] and ladder.closed_reason == "returned"


def test_bouncing_again_after_redispatch_carries_the_level_to_the_next_step() -> None:
    # The same unit on the same case: the new instruction starts where the last one ended.
    ladder, cmds = run(
        emergency(Level.deputy_mayor), [Returned(T0 + timedelta(seconds=5), valid=False)], T0, CAL
    )
    esc = [c for c in cmds if isinstance(c, Escalate)]
    assert [c.level for c in esc] == [Level.principal]
    ladder, cmds = run(
        emergency(Level.principal), [Returned(T0 + timedelta(seconds=5), valid=False)], T0, CAL
    )
    assert [c.level for c in cmds if isinstance(c, Escalate)] == [Level.discipline]
    assert ladder.closed_reason == "referred"


def test_withdrawal_and_merge_end_the_ladder_quietly() -> None:
    for event in (Withdrawn(T0 + 5 * MIN), CaseEnded(T0 + 5 * MIN, "case_merged")):
        ladder, cmds = advance(emergency(), event, CAL)
        assert ladder.phase is Phase.closed and steps(cmds) == []


def test_after_an_outage_the_ladder_resumes_one_step_at_a_time() -> None:
    clock = Clock(T0)
    ladder, cmds = advance(emergency(), Tick(clock.advance(timedelta(hours=3))), CAL)
    assert steps(cmds) == ["deliver", "escalate:1"]
    # The unit head gets a full grace minute from now, with a reminder before it.
    ladder, cmds = advance(ladder, Tick(clock.advance(timedelta(seconds=50))), CAL)
    assert steps(cmds) == ["remind:ack:1"]
    ladder, cmds = advance(ladder, Tick(clock.advance(timedelta(seconds=10))), CAL)
    assert steps(cmds) == ["escalate:2"]


def test_working_day_limits_remind_and_escalate_in_office_hours() -> None:
    _, cmds = drive(complaint(), T0 + timedelta(days=40))
    for c in cmds:
        if isinstance(c, Remind | Escalate):
            local = CAL.local(c.due_at)
            assert CAL.is_working_day(local.date()), c
            assert CAL.in_office_hours(c.due_at - timedelta(microseconds=1)), c
    assert steps(cmds)[-1] == "escalate:4"


@given(st.lists(st.integers(min_value=0, max_value=4 * 3600), min_size=1, max_size=30))
def test_whatever_the_tick_times_no_step_repeats_and_levels_only_climb(offsets: list[int]) -> None:
    ladder = emergency()
    seen: list[str] = []
    levels: list[Level] = []
    for off in sorted(offsets):
        ladder, cmds = advance(ladder, Tick(T0 + timedelta(seconds=off)), CAL)
        seen += steps(cmds)
        levels += [c.level for c in cmds if isinstance(c, Escalate)]
    assert len(seen) == len(set(seen))
    assert levels == sorted(levels) and len(levels) == len(set(levels))
    assert seen[0] == "deliver" and isinstance(Deliver(T0), Deliver)
    # Driven long enough, every ladder ends at discipline inspection.
    ladder, cmds = drive(ladder, T0 + timedelta(days=1))
    assert ladder.level is Level.discipline and ladder.phase is Phase.closed
