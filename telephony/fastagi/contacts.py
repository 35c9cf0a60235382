"""The caller's contact while the menu runs: visible to the call takers from the first
second, and settled when the caller leaves the menu.

When the ``ivr`` script starts, the call's live contact is created through the
ordinary intake with the Stasis app's idempotency key ``call:<uniqueid>`` (Asterisk's
uniqueid of the channel is its ARI channel id), so a caller the menu sends to the
queue is *adopted* by the Stasis app (DuplicateIdempotencyKey) instead of counted
twice. Its case's summary starts with :data:`IN_MENU_MARK` while the caller is in
the menu. How the menu ended decides the rest:

- queue: the mark goes; the Stasis app takes the call over (same contact);
- callback: ``SqlIvrBackend.book_callback`` turned this contact into the call-back item;
- a status was read out and the caller left (or the menu said goodbye): the case
  is resolved directly (办结) with the note "IVR 自助查询 <case number>", out of the queue;
- any other hang-up in the menu: 漏接回拨, exactly as a caller who hangs up while
  queued (:class:`~core.triage.missed.MissedCallRecorder`).

If the intake fails (database down) the menu runs anyway and the Stasis app creates
the contact as it always did.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from redis.exceptions import RedisError
from sqlalchemy import select

from core.auth.models import Principal, Role
from core.cases.intake import IntakeService
from core.cases.lifecycle import Action
from core.cases.models import CaseState
from core.cases.schemas import CaseActionIn, ContactCreate, LocationIn
from core.cases.service import CaseService
from core.cases.tables import CaseRow, ContactRow
from core.cases.workitem import queue_item
from core.clock import Clock
from core.errors import DuplicateIdempotencyKey
from core.queue.workqueue import WorkQueue
from core.storage.engine import Database
from core.triage.missed import MissedCallRecorder
from ivr.flows import CATEGORY_TEXT, Result
from ivr.ports import CallInfo
from ivr.service import Outcome

log = logging.getLogger(__name__)

# At the start of the case's summary while the caller is in the menu (the queue shows
# the summary), like core.triage.missed.CALLBACK_MARK for missed calls.
IN_MENU_MARK = "【语音导航中】"
# A fallback caller is recorded in the background: under a surge the intake may take
# many seconds, and a caller must not be lost for it.
FALLBACK_INTAKE_S = 60.0
ACTOR = "system:ivr"
IVR_PRINCIPAL = Principal(0, ACTOR, Role.admin, "语音导航")
SELF_SERVICE_NOTE = "IVR 自助查询"


def clear_mark(contact: ContactRow) -> None:
    """The caller said nothing in the menu: the contact's text goes back to empty."""
    if contact.text == IN_MENU_MARK:
        contact.text = ""


def call_key(call_id: str) -> str:
    """The Stasis app's idempotency key of a call (telephony.calls.service.idempotency_key)."""
    return f"call:{call_id}"


class IvrContacts:
    def __init__(
        self,
        db: Database,
        intake: IntakeService,
        workqueue: WorkQueue,
        cases: CaseService,
        missed: MissedCallRecorder,
        clock: Clock,
        *,
        intake_timeout_s: float = 3.0,
    ) -> None:
        self.db = db
        self.intake = intake
        self.workqueue = workqueue
        self.cases = cases
        self.missed = missed
        self.clock = clock
        self.intake_timeout_s = intake_timeout_s

    async def arrived(
        self, call: CallInfo, location: LocationIn | None = None, *, timeout_s: float | None = None
    ) -> int | None:
        """Create (or find) the call's live contact and mark it as in the menu. None when
        the platform cannot take it now: the caller must hear the menu regardless."""
        body = ContactCreate(
            channel="phone",
            hotline=call.hotline,
            sender=call.caller or "anonymous",
            # The mark is the contact's text so the case's summary carries it from the
            # first commit: the intake worker may queue the case before any later
            # update, and would show an unmarked summary. Cleared when the menu ends.
            text=IN_MENU_MARK,
            live=True,
            location=location,
            idempotency_key=call_key(call.call_id),
        )
        try:
            try:
                created = await asyncio.wait_for(
                    self.intake.receive(body, actor=ACTOR), timeout_s or self.intake_timeout_s
                )
                contact_id = created.contact_id
            except DuplicateIdempotencyKey as exc:  # the script ran twice for this channel
                contact_id = int(exc.details["contact_id"])
            await self._set_mark(contact_id, marked=True)
        except Exception:
            log.warning(
                "IVR caller not registered; the Stasis app will",
                exc_info=True,
                extra={"channel": call.call_id},
            )
            return None
        return contact_id

    async def cut_off(
        self, call: CallInfo, location: LocationIn | None = None, *, reason: str = "fallback"
    ) -> int | None:
        """A call no Stasis app will see: the app was down (the dialplan's fallback hunts
        the seats itself, ``reason`` fallback) or the caller left the menu before the
        intake could register them (``hung_up``). Recorded as a call-back item (漏接回拨),
        whoever answers meanwhile: otherwise the platform keeps no trace of the caller.
        Nobody waits for it, so it may take the intake as long as it needs."""
        contact_id = await self.arrived(call, location, timeout_s=FALLBACK_INTAKE_S)
        if contact_id is None:
            return None
        try:
            await self._set_mark(contact_id, marked=False)
            await self.missed.missed(contact_id, 0.0, reason=reason)
        except Exception:  # the contact exists; the janitor queues its case
            log.exception("fallback call not marked", extra={"contact_id": contact_id})
        return contact_id

    async def left(self, contact_id: int, outcome: Outcome | None, waited_s: float) -> None:
        """Settle the contact after the menu (``outcome`` None: the script failed and the
        dialplan sends the caller to the queue)."""
        result = outcome.result if outcome is not None else Result.queue
        try:
            if result is Result.queue or result is Result.callback:
                # Queue: Stasis adopts it. Callback: book_callback rewrote the summary
                # already; this only repairs a mark left by a failed booking.
                await self._set_mark(contact_id, marked=False)
                if result is Result.queue and outcome is not None and outcome.category:
                    await self._note_choice(contact_id, outcome.category)
            elif outcome is not None and outcome.enquired:
                await self._resolve(contact_id, outcome.enquired)
            else:
                await self._set_mark(contact_id, marked=False)
                await self.missed.missed(contact_id, waited_s)
        except Exception:
            # The case stays in the queue with its mark: a person still sees it.
            log.exception("IVR contact not settled", extra={"contact_id": contact_id})

    # --- steps ----------------------------------------------------------------------
    async def _set_mark(self, contact_id: int, *, marked: bool) -> None:
        async with self.db.session() as s:
            contact = await s.get(ContactRow, contact_id)
            if contact is None:
                return
            case = await s.scalar(select(CaseRow).where(CaseRow.id == contact.case_id))
            if case is None:
                return
            if not marked:
                clear_mark(contact)
            has = case.summary.startswith(IN_MENU_MARK)
            if has == marked:
                return
            summary = IN_MENU_MARK + case.summary if marked else case.summary[len(IN_MENU_MARK) :]
            case.summary = summary[:200]
            case.updated_at = self.clock()
            case.version += 1
        if case.queued and case.taken_by is None and case.state == CaseState.received.value:
            # The intake worker queued it before the mark changed: show the new summary.
            # (Otherwise the worker reads the summary itself when it queues the case.)
            with contextlib.suppress(RedisError, OSError):
                await self.workqueue.add(queue_item(case, contact, None))

    async def _note_choice(self, contact_id: int, category: str) -> None:
        """What the caller chose in the menu, for the call taker who answers (the
        classifier still decides the category from what they then say)."""
        async with self.db.session() as s:
            case_number = await s.scalar(
                select(CaseRow.number)
                .join(ContactRow, ContactRow.case_id == CaseRow.id)
                .where(ContactRow.id == contact_id)
            )
        if case_number is not None:
            choice = CATEGORY_TEXT.get(category, category)
            note = CaseActionIn(note=f"语音导航选择：{choice}")
            await self.cases.act(case_number, Action.note, note, IVR_PRINCIPAL)

    async def _resolve(self, contact_id: int, enquired: tuple[str, ...]) -> None:
        async with self.db.session() as s:
            contact = await s.get(ContactRow, contact_id)
            if contact is None:
                return
            contact.live = False
            clear_mark(contact)
            case = await s.scalar(select(CaseRow).where(CaseRow.id == contact.case_id))
            if case is None:
                return
            if case.summary.startswith(IN_MENU_MARK):
                case.summary = case.summary[len(IN_MENU_MARK) :]
            number, state = case.number, CaseState(case.state)
        note = f"{SELF_SERVICE_NOTE} {'、'.join(dict.fromkeys(enquired))}"
        if state is CaseState.received:
            await self.cases.act(
                number, Action.resolve_directly, CaseActionIn(note=note), IVR_PRINCIPAL
            )
        else:  # somebody acted on it meanwhile: only say what the caller did
            await self.cases.act(number, Action.note, CaseActionIn(note=note), IVR_PRINCIPAL)


__all__ = [
    "IN_MENU_MARK",
    "IVR_PRINCIPAL",
    "SELF_SERVICE_NOTE",
    "IvrContacts",
    "call_key",
    "clear_mark",
]
