"""Channel-independent services: submit a contact idempotently."""

from __future__ import annotations

from channels.models import Accepted
from channels.ports import Intake
from core.cases.schemas import ContactCreate
from core.errors import DuplicateIdempotencyKey


async def submit(intake: Intake, body: ContactCreate, *, actor: str) -> Accepted:
    """Persist first. A repeated idempotency key (the vendor's message id) is a
    retry: it gets the original case number and never a second case."""
    try:
        created = await intake.receive(body, actor=actor)
    except DuplicateIdempotencyKey as dup:
        contact_id = dup.details.get("contact_id")
        return Accepted(
            str(dup.details["case_number"]),
            int(contact_id) if contact_id is not None else None,
            duplicate=True,
        )
    return Accepted(created.case_number, created.contact_id, duplicate=False)
