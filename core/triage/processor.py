"""The intake handler: classify, locate and maybe merge a new contact's case, then queue it.

Exactly-once effect: the first statement of the transaction flips the outbox
row's ``processed_at`` from NULL; a duplicate delivery (re-claim after a crash,
or an outbox republish) finds it set and changes nothing. On PostgreSQL the
row lock makes a concurrent duplicate wait and then see the flag; on SQLite the
write lock serialises them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import Principal, Role
from core.cases import caselog
from core.cases.lifecycle import Action
from core.cases.models import OPEN_STATES
from core.cases.schemas import CaseActionIn
from core.cases.service import CaseService
from core.cases.tables import CaseRow, ContactRow
from core.cases.workitem import queue_item
from core.clock import Clock
from core.orgmap.location import UNKNOWN_UNCERTAINTY_M, Fix
from core.queue.streams import Entry
from core.queue.tables import OutboxRow
from core.queue.workqueue import WorkQueue
from core.storage.engine import Database
from core.triage.locator import ContactLocator
from core.triage.merge import (
    AREA_RULES,
    EVENT_RULES,
    SAME_SENDER_S,
    CaseFacts,
    MergePlan,
    PlaceSignature,
    plan,
)
from core.triage.ports import MAX_CLASSIFY_CHARS, Classifier
from core.triage.tables import CaseLinkRow, CaseLocationRow

SYSTEM = Principal(0, "system:intake", Role.admin, "系统")
MERGE_LOOKBACK = timedelta(
    seconds=max(
        [SAME_SENDER_S, *(r.window_s for r in (*EVENT_RULES.values(), *AREA_RULES.values()))]
    )
)


class IntakeProcessor:
    def __init__(
        self,
        db: Database,
        classifier: Classifier,
        locator: ContactLocator | None,
        cases: CaseService,
        workqueue: WorkQueue,
        clock: Clock,
        name: str,
    ) -> None:
        self.db = db
        self.classifier = classifier
        self.locator = locator
        self.cases = cases
        self.workqueue = workqueue
        self.clock = clock
        self.name = name

    async def __call__(self, entry: Entry) -> None:
        now = self.clock()
        async with self.db.session() as s:
            claimed = await s.execute(
                update(OutboxRow)
                .where(OutboxRow.id == entry.outbox_id, OutboxRow.processed_at.is_(None))
                .values(processed_at=now, processed_by=self.name)
            )
            contact = await s.scalar(
                select(ContactRow).where(ContactRow.id == entry.payload["contact_id"])
            )
            case = await s.scalar(select(CaseRow).where(CaseRow.id == entry.payload["case_id"]))
            if contact is None or case is None:
                raise LookupError(f"outbox {entry.outbox_id} names a missing contact or case")
            if claimed.rowcount == 1:  # type: ignore[attr-defined]
                await self._process(s, case, contact, now)
            elif not case.queued:
                return
        if case.queued and case.taken_by is None and case.state == "received":
            # Re-adding on a duplicate delivery heals a queue entry lost with Redis.
            names = self.locator.orgmap if self.locator is not None else None
            await self.workqueue.add(queue_item(case, contact, names))

    async def _process(
        self, s: AsyncSession, case: CaseRow, contact: ContactRow, now: datetime
    ) -> None:
        fields = (
            "category",
            "subtype",
            "emergency",
            "priority",
            "lat",
            "lon",
            "location_source",
            "address",
            "township_id",
            "grid_id",
        )
        before = {k: getattr(case, k) for k in fields}
        # A long call's transcript may exceed what one classification reads: its start.
        text = (contact.text or contact.transcript or "")[:MAX_CLASSIFY_CHARS]
        c = self.classifier.classify(text, contact.hotline)
        case.category, case.subtype = c.category, c.subtype
        case.emergency, case.priority = c.emergency, c.priority
        data: dict[str, Any] = {
            "keywords": [list(k) for k in c.keywords],
            "explanation": c.explanation,
            "contact_id": contact.id,
        }
        located = (
            await self.locator.locate(s, contact, c.town) if self.locator is not None else None
        )
        fix = located.fix if located is not None else None
        if located is not None and fix is not None:
            case.lat, case.lon, case.location_source = fix.lat, fix.lon, fix.source
            case.address = fix.label or case.address
            if located.placement is not None:
                case.township_id = located.placement.township_id
                case.grid_id = located.placement.grid_id
            data["location"] = {
                "source": fix.source,
                "confidence": fix.confidence,
                "accuracy_m": fix.accuracy_m,
                "precision": fix.precision,
                "uncertainty_m": fix.uncertainty_m,
                "alternatives": [c.source for c in fix.others],
            }
        elif c.town is not None and self.locator is not None:
            # No point to place it, but the text names its township: enough to
            # route it to that township's center.
            case.township_id = self.locator.orgmap.township_id(c.town)
        case.updated_at = now
        case.version += 1
        after = {k: getattr(case, k) for k in fields}
        changed = [k for k in fields if before[k] != after[k]]
        await caselog.append(
            s,
            case_id=case.id,
            actor=f"system:{self.name}",
            action=Action.classify,
            at=now,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
            data=data,
        )
        places = located.places if located is not None else PlaceSignature()
        s.add(
            CaseLocationRow(
                case_id=case.id,
                precision=fix.precision if fix is not None else "none",
                uncertainty_m=fix.uncertainty_m if fix is not None else UNKNOWN_UNCERTAINTY_M,
                places=places.to_json(),
            )
        )
        merge_plan = await self._merge_plan(s, case, contact, fix, places)
        if merge_plan.merge is not None:
            decision = merge_plan.merge
            await self.cases.apply(
                s,
                case,
                Action.merge,
                CaseActionIn(into=decision.target.number, reason=f"自动并单：{decision.reason}"),
                SYSTEM,
                now,
            )
        elif merge_plan.suggestions:
            for d in merge_plan.suggestions:
                s.add(
                    CaseLinkRow(
                        case_id=case.id,
                        other_id=d.target.case_id,
                        kind="possible_duplicate",
                        reason=d.reason[:300],
                        distance_m=d.distance_m,
                        created_at=now,
                    )
                )
            first = merge_plan.suggestions[0]
            await caselog.append(
                s,
                case_id=case.id,
                actor=SYSTEM.username,
                action=Action.note,
                at=now,
                data={
                    "possible_duplicate_of": first.target.number,
                    "possible_duplicates": [d.target.number for d in merge_plan.suggestions],
                    "reason": first.reason,
                },
            )
        case.queued = case.state == "received"

    async def _merge_plan(
        self,
        s: AsyncSession,
        case: CaseRow,
        contact: ContactRow,
        fix: Fix | None,
        places: PlaceSignature,
    ) -> MergePlan:
        since = case.created_at - MERGE_LOOKBACK
        rows = (
            await s.execute(
                select(
                    CaseRow.id,
                    CaseRow.number,
                    CaseRow.category,
                    CaseRow.subtype,
                    CaseRow.lat,
                    CaseRow.lon,
                    CaseRow.created_at,
                    CaseLocationRow.uncertainty_m,
                    CaseLocationRow.places,
                )
                .outerjoin(CaseLocationRow, CaseLocationRow.case_id == CaseRow.id)
                .where(
                    CaseRow.created_at >= since,
                    CaseRow.id != case.id,
                    CaseRow.state.in_([st.value for st in OPEN_STATES]),
                    CaseRow.merged_into_id.is_(None),
                )
                .where(
                    (CaseRow.category == case.category)
                    | CaseRow.id.in_(
                        select(ContactRow.case_id).where(ContactRow.sender == contact.sender)
                    )
                )
                .order_by(CaseRow.created_at)
                .limit(200)
            )
        ).all()
        if not rows:
            return MergePlan(None)
        senders: dict[int, set[str]] = {}
        for cid, sender in await s.execute(
            select(ContactRow.case_id, ContactRow.sender).where(
                ContactRow.case_id.in_([r.id for r in rows])
            )
        ):
            senders.setdefault(cid, set()).add(sender)
        new = CaseFacts(
            case.id,
            case.number,
            case.category,
            case.lat,
            case.lon,
            case.created_at,
            frozenset({contact.sender}),
            fix.uncertainty_m if fix is not None else UNKNOWN_UNCERTAINTY_M,
            case.subtype,
            places,
        )
        return plan(
            new,
            [
                CaseFacts(
                    r.id,
                    r.number,
                    r.category,
                    r.lat,
                    r.lon,
                    r.created_at,
                    frozenset(senders.get(r.id, ())),
                    r.uncertainty_m if r.uncertainty_m is not None else UNKNOWN_UNCERTAINTY_M,
                    r.subtype,
                    PlaceSignature.from_json(r.places),
                )
                for r in rows
            ],
            live=contact.live,
        )
