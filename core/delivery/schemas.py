"""JSON shapes of the delivery routes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from core.delivery.models import mask
from core.delivery.tables import DeliveryAttemptRow, DeliveryRow


class AttemptOut(BaseModel):
    n: int
    channel: str
    provider: str | None
    outcome: str
    error: str | None
    at: datetime


class DeliveryOut(BaseModel):
    id: int
    case_number: str | None
    purpose: str  # reply / notice / rating / reminder / ladder_step
    recipient: str  # masked: 138****5678
    recipient_name: str
    channel: str | None  # the route in use (or the last one tried)
    channels: list[str]  # every route, in order
    state: str  # queued / sending / sent / delivered / acknowledged / failed / flagged
    attempts: int
    requires_ack: bool
    acknowledged_at: datetime | None
    acknowledged_via: str | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    history: list[AttemptOut] = []

    @classmethod
    def of(cls, row: DeliveryRow, attempts: list[DeliveryAttemptRow] | None = None) -> DeliveryOut:
        last = min(row.route_index, len(row.routes) - 1)
        channel = str(row.routes[last][0]) if row.routes else None
        address = str(row.routes[last][1]) if row.routes else row.recipient
        return cls(
            id=row.id,
            case_number=row.case_number,
            purpose=row.purpose,
            recipient=mask(address),
            recipient_name=row.recipient_name,
            channel=channel,
            channels=[str(r[0]) for r in row.routes],
            state=row.state,
            attempts=row.attempts,
            requires_ack=row.requires_ack,
            acknowledged_at=row.acknowledged_at,
            acknowledged_via=row.acknowledged_via,
            last_error=row.last_error,
            created_at=row.created_at,
            updated_at=row.updated_at,
            history=[_attempt(a) for a in attempts or []],
        )


def _attempt(a: DeliveryAttemptRow) -> AttemptOut:
    return AttemptOut(
        n=a.n, channel=a.channel, provider=a.provider, outcome=a.outcome, error=a.error, at=a.at
    )


class DeliveryList(BaseModel):
    items: list[DeliveryOut]
