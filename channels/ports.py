"""What the channel adapters need from the rest of the platform (small Protocols),
so each channel's core can be tested with fakes and never imports the vendor SDKs."""

from __future__ import annotations

from typing import Protocol

from core.cases.schemas import ContactCreate, ContactCreated


class Intake(Protocol):
    """``core.cases.intake.IntakeService``: persist one contact, open its case.
    Raises ``DuplicateIdempotencyKey`` (details carry ``case_number``) for a
    repeated key."""

    async def receive(self, body: ContactCreate, *, actor: str) -> ContactCreated: ...
