"""The case lifecycle as an explicit state machine (pure: events in, state out).

受理 → 派单 → 签收 → 处置 → 办结 → 回访/评价 → 结案, plus 退单, 改派, 重办, 并单 and
拆单 (a merge undone: the folded case is received again and its contacts come back).
Every change to a case is an :class:`Action` checked here first; the service then
appends the resulting event to the case log. Because the same table drives
:func:`replay`, a case's state can always be rebuilt from its log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from core.cases.models import STATE_LABELS, CaseState
from core.errors import IllegalTransition

S = CaseState


class Action(StrEnum):
    create = "create"  # 受理
    classify = "classify"  # category/priority/location set or corrected; no state change
    note = "note"  # free note or progress report; no state change
    take = "take"  # a call taker took it from the work queue (认领)
    dispatch = "dispatch"  # 派单
    reassign = "reassign"  # 改派
    acknowledge = "acknowledge"  # 签收
    start = "start"  # 处置
    return_ = "return"  # 退单
    complete = "complete"  # 办结
    resolve_directly = "resolve_directly"  # answered by the call taker (consultation)
    evaluate = "evaluate"  # 回访/评价
    close = "close"  # 结案
    reopen = "reopen"  # 重办
    merge = "merge"  # 并单 (this case folded into another)
    link_contact = "link_contact"  # another contact merged into this case
    split_ = "split"  # 拆单: a merge undone; this case is received again
    unlink_contact = "unlink_contact"  # contacts of a split case left this case


_ANY_LIVE = frozenset(set(S) - {S.merged})

# action -> (states it may start from, state it leads to or None for "unchanged")
TRANSITIONS: Mapping[Action, tuple[frozenset[CaseState], CaseState | None]] = {
    Action.classify: (_ANY_LIVE, None),
    Action.note: (_ANY_LIVE, None),
    Action.link_contact: (_ANY_LIVE, None),
    Action.unlink_contact: (_ANY_LIVE, None),
    Action.take: (frozenset({S.received}), None),
    Action.dispatch: (frozenset({S.received, S.returned}), S.dispatched),
    Action.reassign: (
        frozenset({S.dispatched, S.acknowledged, S.in_progress, S.returned}),
        S.dispatched,
    ),
    Action.acknowledge: (frozenset({S.dispatched}), S.acknowledged),
    Action.start: (frozenset({S.acknowledged}), S.in_progress),
    Action.return_: (frozenset({S.dispatched, S.acknowledged, S.in_progress}), S.returned),
    Action.complete: (frozenset({S.acknowledged, S.in_progress}), S.completed),
    Action.resolve_directly: (frozenset({S.received}), S.completed),
    Action.evaluate: (frozenset({S.completed}), S.evaluated),
    Action.close: (frozenset({S.completed, S.evaluated}), S.closed),
    Action.reopen: (frozenset({S.completed, S.evaluated, S.closed}), S.dispatched),
    Action.merge: (frozenset({S.received, S.dispatched, S.returned}), S.merged),
    # Back to the queue whatever it was before the merge: a call taker looks again.
    Action.split_: (frozenset({S.merged}), S.received),
}

# Actions a unit takes on its own instruction; they move the case only for the lead unit.
UNIT_ACTIONS = frozenset({Action.acknowledge, Action.start, Action.return_, Action.complete})

# Actions that must say why, because discipline inspection reads the log.
REASON_REQUIRED = frozenset(
    {Action.return_, Action.reassign, Action.reopen, Action.merge, Action.split_}
)


def next_state(current: CaseState, action: Action) -> CaseState:
    """The state ``action`` leads to from ``current``, or :class:`IllegalTransition`."""
    if action is Action.create:
        raise IllegalTransition("a case is created only once", details={"action": action.value})
    sources, target = TRANSITIONS[action]
    if current not in sources:
        allowed = sorted(a.value for a, (src, _) in TRANSITIONS.items() if current in src)
        raise IllegalTransition(
            f"不能对处于「{STATE_LABELS[current]}」状态的工单执行 {action.value}",
            details={"state": current.value, "action": action.value, "allowed": allowed},
        )
    return current if target is None else target


def allowed_actions(current: CaseState) -> list[Action]:
    return [a for a, (src, _) in TRANSITIONS.items() if current in src]


@dataclass(frozen=True, slots=True)
class LogEntry:
    """The part of a case-log event that replay needs."""

    action: Action
    after: Mapping[str, Any]
    moves_case: bool = True  # False for an assisting unit's own instruction


def replay(entries: Iterable[LogEntry]) -> dict[str, Any]:
    """Rebuild a case's fields by folding its log, checking every transition.

    The first entry must be ``create``; each later entry's ``after`` holds the
    fields it changed. Raises :class:`IllegalTransition` if the log is not a
    legal history (which would mean it was tampered with).
    """
    it = iter(entries)
    first = next(it, None)
    if first is None or first.action is not Action.create:
        raise IllegalTransition("a case log must start with create")
    fields: dict[str, Any] = dict(first.after)
    fields.setdefault("state", S.received.value)
    fields.setdefault("reopen_count", 0)
    for entry in it:
        current = CaseState(fields["state"])
        expected = next_state(current, entry.action) if entry.moves_case else current
        fields.update(entry.after)
        if CaseState(fields["state"]) is not expected:
            raise IllegalTransition(
                "case log records a state its action cannot produce",
                details={"action": entry.action.value, "state": fields["state"]},
            )
    return fields
