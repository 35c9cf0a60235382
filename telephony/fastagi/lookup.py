"""What the ``lookup`` script tells the dialplan about a caller, from the database.

- LIANDONG_CONTACT_ID: the contact of this channel (the Stasis app's idempotency key
  ``call:<uniqueid>``), else the caller's latest phone contact within the window;
- LIANDONG_REPEAT_24H: phone contacts from this number within the window (24 h);
- LIANDONG_BLOCKLISTED: 1 when the number is on the harassment blocklist, else 0;
- LIANDONG_ADDRESS: the household registered to the number (org map, R2), else the
  address of the caller's latest located contact or case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select

from core.cases.tables import CaseRow, ContactRow
from core.clock import Clock
from core.errors import InvalidInput
from core.orgmap.tables import HouseholdRow
from core.storage.engine import Database
from telephony.fastagi.ivr_backend import caller_variants
from telephony.fastagi.tables import CallerBlocklistRow


@dataclass(frozen=True, slots=True)
class CallerFacts:
    contact_id: int | None
    repeat_24h: int
    blocklisted: bool
    address: str | None

    def variables(self) -> dict[str, str]:
        return {
            "LIANDONG_CONTACT_ID": "" if self.contact_id is None else str(self.contact_id),
            "LIANDONG_REPEAT_24H": str(self.repeat_24h),
            "LIANDONG_BLOCKLISTED": "1" if self.blocklisted else "0",
            "LIANDONG_ADDRESS": self.address or "",
        }


class CallerLookup:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        window_h: float = 24.0,
        strip_prefixes: tuple[str, ...] = ("+86", "0086", "86"),
    ) -> None:
        self.db = db
        self.clock = clock
        self.window = timedelta(hours=window_h)
        self.strip_prefixes = strip_prefixes

    async def lookup(self, caller: str, call_id: str) -> CallerFacts:
        now = self.clock()
        since = now - self.window
        numbers = caller_variants(caller, self.strip_prefixes) if caller else []
        async with self.db.session() as s:
            contact_id = None
            if call_id:
                contact_id = await s.scalar(
                    select(ContactRow.id).where(ContactRow.idempotency_key == f"call:{call_id}")
                )
            if not numbers:
                return CallerFacts(contact_id, 0, False, None)
            mine = (ContactRow.channel == "phone") & ContactRow.sender.in_(numbers)
            if contact_id is None:
                contact_id = await s.scalar(
                    select(ContactRow.id)
                    .where(mine, ContactRow.received_at >= since)
                    .order_by(ContactRow.id.desc())
                    .limit(1)
                )
            repeat = await s.scalar(
                select(func.count(ContactRow.id)).where(mine, ContactRow.received_at >= since)
            )
            blocked = await s.scalar(
                select(CallerBlocklistRow.id)
                .where(
                    CallerBlocklistRow.number.in_(numbers),
                    or_(
                        CallerBlocklistRow.expires_at.is_(None), CallerBlocklistRow.expires_at > now
                    ),
                )
                .limit(1)
            )
            address = await s.scalar(
                select(HouseholdRow.address)
                .where(HouseholdRow.phone.in_(numbers))
                .order_by(HouseholdRow.id)
                .limit(1)
            )
            if address is None:
                address = await s.scalar(
                    select(func.coalesce(ContactRow.address, CaseRow.address))
                    .join(CaseRow, CaseRow.id == ContactRow.case_id)
                    .where(
                        ContactRow.sender.in_(numbers),
                        or_(ContactRow.address.is_not(None), CaseRow.address.is_not(None)),
                    )
                    .order_by(ContactRow.id.desc())
                    .limit(1)
                )
        return CallerFacts(contact_id, int(repeat or 0), blocked is not None, address)


class Blocklist:
    """Adding and removing numbers (``liandong agi block|unblock``)."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def add(
        self, number: str, reason: str, added_by: str, expires_at: datetime | None = None
    ) -> None:
        number = number.strip()
        if not number or len(number) > 32 or not reason.strip():
            raise InvalidInput("a blocklist entry needs a number (≤ 32 chars) and a reason")
        async with self.db.session() as s:
            row = await s.scalar(
                select(CallerBlocklistRow).where(CallerBlocklistRow.number == number)
            )
            if row is None:
                row = CallerBlocklistRow(number=number)
                s.add(row)
            row.reason, row.added_by = reason[:200], added_by[:64]
            row.added_at, row.expires_at = self.clock(), expires_at

    async def remove(self, number: str) -> bool:
        async with self.db.session() as s:
            row = await s.scalar(
                select(CallerBlocklistRow).where(CallerBlocklistRow.number == number.strip())
            )
            if row is None:
                return False
            await s.delete(row)
            return True


__all__ = ["Blocklist", "CallerFacts", "CallerLookup"]
