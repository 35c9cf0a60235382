"""The admin console's vocabulary. Pure."""

from __future__ import annotations

from enum import StrEnum


class ChangeKind(StrEnum):
    user_created = "user_created"
    user_active = "user_active"  # disabled or enabled
    password_reset = "password_reset"  # noqa: S105 - a change kind; not undoable (no old hash)
    unlocked = "unlocked"  # login throttle cleared; not undoable
    roster = "roster"  # who keeps duty at a unit on one duty day
    limits = "limits"  # a catalogue rule's acknowledge / completion limits


UNDOABLE = frozenset({ChangeKind.user_active, ChangeKind.roster, ChangeKind.limits})
