"""The notification port every escalation step goes through.

Channel adapters (SMS, WeChat template messages, the app) implement :class:`Notifier`;
the default :class:`core.escalation.notifier.RecordingNotifier` records notices in
the database. Delivery is at-least-once: a notice whose step was committed but whose
delivery was not confirmed (a crash in between) is delivered again, with the same
``key``, so an adapter that can de-duplicate (the recording one does) delivers it once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Notice:
    key: str  # "<instruction_id>:<step>:<recipient>", stable across re-deliveries
    recipient: str  # person:<id>, unit:<id> (its duty phone) or org:<name>
    person_id: int | None
    name: str
    phone: str | None
    message: str  # Chinese, ready to send as an SMS
    case_number: str
    instruction_id: int
    step: str  # deliver / remind:<phase>:<level> / escalate:<level>

    def to_dict(self) -> dict[str, Any]:
        # Not dataclasses.asdict: it deep-copies, and a scheduler pass makes thousands.
        return {f: getattr(self, f) for f in _FIELDS}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Notice:
        return cls(**{f: d[f] for f in _FIELDS})


_FIELDS = tuple(f.name for f in fields(Notice))


class Notifier(Protocol):
    async def notify(self, notices: Sequence[Notice]) -> None:
        """Deliver ``notices``; raise if any could not be handed to the channel."""
        ...
