"""The case state machine, events in and states out (no I/O)."""

from __future__ import annotations

import pytest

from core.cases.lifecycle import (
    TRANSITIONS,
    Action,
    LogEntry,
    allowed_actions,
    next_state,
    replay,
)
from core.cases.models import CaseState as S
from core.errors import IllegalTransition

HAPPY_PATH = [
    (Action.dispatch, S.dispatched),
    (Action.acknowledge, S.acknowledged),
    (Action.start, S.in_progress),
    (Action.complete, S.completed),
    (Action.evaluate, S.evaluated),
    (Action.close, S.closed),
]


def test_the_seed_lifecycle_runs_from_received_to_closed() -> None:
    state = S.received
    for action, expected in HAPPY_PATH:
        state = next_state(state, action)
        assert state is expected


@pytest.mark.parametrize(
    ("state", "action"),
    [
        (S.received, Action.complete),  # cannot finish what nobody was sent
        (S.received, Action.acknowledge),
        (S.dispatched, Action.start),  # must acknowledge (签收) before handling
        (S.closed, Action.dispatch),
        (S.merged, Action.note),  # a merged case is frozen
        (S.completed, Action.return_),
        (S.evaluated, Action.evaluate),
    ],
)
def test_illegal_transition_is_refused_with_its_state_and_the_allowed_actions(
    state: S, action: Action
) -> None:
    with pytest.raises(IllegalTransition) as err:
        next_state(state, action)
    assert err.value.error_id == "illegal-transition"
    assert err.value.details["state"] == state.value
    assert set(err.value.details["allowed"]) == {a.value for a in allowed_actions(state)}


def test_returned_case_is_redispatched_and_reassign_works_from_any_handling_state() -> None:
    assert next_state(S.dispatched, Action.return_) is S.returned
    assert next_state(S.returned, Action.dispatch) is S.dispatched
    for st in (S.dispatched, S.acknowledged, S.in_progress, S.returned):
        assert next_state(st, Action.reassign) is S.dispatched


def test_reopen_sends_a_finished_case_back_to_dispatched() -> None:
    for st in (S.completed, S.evaluated, S.closed):
        assert next_state(st, Action.reopen) is S.dispatched


def test_create_is_not_a_transition() -> None:
    with pytest.raises(IllegalTransition):
        next_state(S.received, Action.create)


def test_every_action_but_create_has_a_transition_row() -> None:
    assert set(TRANSITIONS) == set(Action) - {Action.create}


def test_replay_rebuilds_fields_from_the_log() -> None:
    log = [
        LogEntry(
            Action.create, {"number": "QX-20261125-00001", "state": "received", "priority": 3}
        ),
        LogEntry(Action.classify, {"category": "fire", "priority": 1}),
        LogEntry(Action.dispatch, {"state": "dispatched"}),
        LogEntry(Action.acknowledge, {"state": "acknowledged"}, moves_case=True),
        LogEntry(Action.acknowledge, {}, moves_case=False),  # an assisting unit's 签收
        LogEntry(Action.complete, {"state": "completed"}),
        LogEntry(Action.reopen, {"state": "dispatched", "reopen_count": 1}),
    ]
    fields = replay(log)
    assert fields["state"] == "dispatched"
    assert fields["category"] == "fire"
    assert fields["priority"] == 1
    assert fields["reopen_count"] == 1


def test_replay_rejects_a_log_that_skips_a_step() -> None:
    tampered = [
        LogEntry(Action.create, {"state": "received"}),
        LogEntry(Action.complete, {"state": "completed"}),
    ]
    with pytest.raises(IllegalTransition):
        replay(tampered)


def test_replay_rejects_a_log_whose_state_disagrees_with_its_action() -> None:
    tampered = [
        LogEntry(Action.create, {"state": "received"}),
        LogEntry(Action.dispatch, {"state": "closed"}),
    ]
    with pytest.raises(IllegalTransition):
        replay(tampered)
