"""The IVR's ports on the platform: database, work queue, intake, working calendar.

``SqlIvrBackend`` answers case status only for a case one of whose contacts came from
the caller's number (the rule of channels/casestatus.py), books call-backs through
the ordinary intake (one contact, one case, the queue) and writes status enquiries
to the case log. ``CalendarHours`` says whether a hotline is staffed now.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from datetime import datetime

from redis.exceptions import RedisError
from sqlalchemy import select

from core.cases import caselog
from core.cases.intake import IntakeService
from core.cases.lifecycle import Action
from core.cases.models import CaseState
from core.cases.schemas import ContactCreate
from core.cases.tables import CaseRow, ContactRow
from core.cases.workitem import queue_item
from core.clock import Clock
from core.errors import DuplicateIdempotencyKey
from core.queue.workqueue import WorkQueue
from core.storage.engine import Database
from core.worktime.calendar import WorkCalendar
from ivr.flows import CATEGORY_TEXT
from ivr.ports import CallInfo, CaseStatus
from ivr.settings import Hours, IvrSettings
from telephony.fastagi.contacts import clear_mark

# A call-back booked in the menu; the queue shows it at the start of the summary, like
# core.triage.missed.CALLBACK_MARK for callers who hung up while waiting.
CALLBACK_REQUEST_MARK = "【来电预约回拨】"
ACTOR = "system:ivr"


def caller_variants(number: str, prefixes: Iterable[str] = ("+86", "0086", "86")) -> list[str]:
    """The forms one caller's number may be stored in: 13800000000, +8613800000000,
    8613800000000 … (carriers and channels differ in whether they add the country code)."""
    number = number.strip()
    national = number
    for prefix in prefixes:
        rest = number.removeprefix(prefix)
        if rest != number and len(rest) >= 7:
            national = rest
            break
    forms = [number, national, *(p + national for p in prefixes)]
    return list(dict.fromkeys(f for f in forms if f))


class SqlIvrBackend:
    def __init__(
        self,
        db: Database,
        workqueue: WorkQueue,
        intake: IntakeService,
        settings: IvrSettings,
        clock: Clock,
    ) -> None:
        self.db = db
        self.workqueue = workqueue
        self.intake = intake
        self.settings = settings
        self.clock = clock

    async def backlog(self) -> int:
        try:
            return await self.workqueue.size()
        except (RedisError, OSError):
            return 0

    async def case_status(self, number: str, caller: str) -> CaseStatus | None:
        senders = caller_variants(caller, self.settings.strip_prefixes)
        async with self.db.session() as s:
            case = await s.scalar(select(CaseRow).where(CaseRow.number == number))
            if case is None:
                return None
            own = await s.scalar(
                select(ContactRow.id)
                .where(ContactRow.case_id == case.id, ContactRow.sender.in_(senders))
                .limit(1)
            )
            if own is None:
                return None  # somebody else's case: the same answer as an unknown one
            merged = None
            if case.merged_into_id is not None:
                target = await s.get(CaseRow, case.merged_into_id)
                if target is not None:
                    merged = CaseStatus(target.number, CaseState(target.state))
            return CaseStatus(case.number, CaseState(case.state), merged)

    async def status_enquired(self, call: CallInfo, number: str, found: bool) -> None:
        if not found:
            return  # never write into the log of a case the caller may not see
        async with self.db.session() as s:
            case = await s.scalar(select(CaseRow).where(CaseRow.number == number))
            if case is None:
                return
            if case.state == CaseState.merged.value and case.merged_into_id is not None:
                case = await s.get(CaseRow, case.merged_into_id) or case
            if case.state == CaseState.merged.value:
                return  # a merged case takes no notes (lifecycle)
            await caselog.append(
                s,
                case_id=case.id,
                actor=ACTOR,
                action=Action.note,
                at=self.clock(),
                data={
                    "status_enquiry": True,
                    "channel": "phone",
                    "hotline": call.hotline,
                    "caller": call.caller,
                    "call_id": call.call_id,
                    "asked_number": number,
                },
            )

    async def book_callback(self, call: CallInfo, category: str | None) -> str:
        why = CATEGORY_TEXT.get(category or "", "")
        text = (
            f"{CALLBACK_REQUEST_MARK}{call.hotline}热线来电在语音菜单中预约回拨"
            f"{'（' + why + '）' if why else ''}，请回拨 {call.caller}。"
        )
        number = await self._callback_on_live_contact(call, text)
        if number is not None:
            return number
        # The call has no contact of its own (intake failed when it arrived): a new one.
        body = ContactCreate(
            channel="phone",
            hotline=call.hotline,
            sender=call.caller or "unknown",
            text=text,
            idempotency_key=f"ivr-callback:{call.call_id}",
        )
        try:
            created = await self.intake.receive(body, actor=ACTOR)
        except DuplicateIdempotencyKey as exc:  # the same call asked twice
            return str(exc.details.get("case_number", ""))
        return created.case_number

    async def _callback_on_live_contact(self, call: CallInfo, text: str) -> str | None:
        """The call's own contact (``call:<uniqueid>``, made when the menu started)
        becomes the call-back item: one caller, one item in the queue."""
        now = self.clock()
        async with self.db.session() as s:
            contact = await s.scalar(
                select(ContactRow).where(ContactRow.idempotency_key == f"call:{call.call_id}")
            )
            if contact is None:
                return None
            case = await s.get(CaseRow, contact.case_id)
            if case is None:
                return None
            if contact.live:
                contact.live = False  # nobody is on the line once the menu hangs up
                clear_mark(contact)
                case.summary = text[:200]
                case.updated_at = now
                case.version += 1
                await caselog.append(
                    s,
                    case_id=case.id,
                    actor=ACTOR,
                    action=Action.note,
                    at=now,
                    data={
                        "callback_requested": True,
                        "call_back": contact.sender,
                        "contact_id": contact.id,
                        "call_id": call.call_id,
                    },
                )
        if case.queued and case.taken_by is None and case.state == CaseState.received.value:
            # Re-rank: a call-back, no longer a live caller (the janitor repairs Redis).
            with contextlib.suppress(RedisError, OSError):
                await self.workqueue.add(queue_item(case, contact, None))
        return case.number


class CalendarHours:
    """A hotline with ``office`` hours is staffed from the first office block's opening
    to the last one's closing on working days (lunch is covered by the center)."""

    def __init__(self, calendar: WorkCalendar, hours: dict[str, Hours]) -> None:
        self.calendar = calendar
        self.hours = hours

    def is_open(self, hotline: str, at: datetime) -> bool:
        if self.hours.get(hotline, Hours.always) is Hours.always:
            return True
        local = self.calendar.local(at)
        day = local.date()
        if not self.calendar.is_working_day(day):
            return False
        return self.calendar.opens(day) <= local < self.calendar.closes(day)


__all__ = ["CALLBACK_REQUEST_MARK", "CalendarHours", "SqlIvrBackend", "caller_variants"]
