"""Transcripts into the database, each job exactly once, then re-classification.

The job row (primary key ``job_id``) is inserted in the same transaction that writes
the contact's transcript and re-classifies its case: a second delivery of the job
finds the row and changes nothing; two concurrent deliveries collide on the primary
key (PostgreSQL) or are serialised by the write lock (SQLite), and the loser's
transaction rolls back whole.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from asr.models import Job, JobKind, Transcript, Word
from asr.tables import TranscriptRow
from core.cases import caselog
from core.cases.lifecycle import Action
from core.cases.models import OPEN_STATES
from core.cases.tables import CaseRow, ContactRow
from core.cases.workitem import TownshipNames, queue_item
from core.clock import Clock
from core.errors import LiandongError
from core.queue.workqueue import WorkQueue
from core.storage.engine import Database
from core.triage.ports import Classifier

log = logging.getLogger(__name__)
LIVE_KIND = "live_call"
_FIELDS = ("category", "subtype", "emergency", "priority")


@dataclass(frozen=True, slots=True)
class Stored:
    job_id: str
    created: bool  # False: the job had already landed (duplicate delivery)


class TranscriptStore:
    def __init__(
        self,
        db: Database,
        classifier: Classifier,
        workqueue: WorkQueue | None,
        names: TownshipNames | None,
        clock: Clock,
        actor: str = "system:asr",
    ) -> None:
        self.db = db
        self.classifier = classifier
        self.workqueue = workqueue
        self.names = names
        self.clock = clock
        self.actor = actor

    async def done(self, job_id: str) -> bool:
        async with self.db.session() as s:
            status = await s.scalar(
                select(TranscriptRow.status).where(TranscriptRow.job_id == job_id)
            )
        return status in ("done", "failed")

    async def save(self, job: Job, t: Transcript, model: str, deliveries: int = 1) -> Stored:
        now = self.clock()
        row = TranscriptRow(
            job_id=job.job_id,
            contact_id=job.contact_id,
            kind=job.kind.value,
            status="done",
            language=job.language,
            path=job.path[:500],
            model=model[:100],
            text=t.text,
            words=[w.to_dict() for w in t.words],
            duration_s=round(t.duration_s, 3),
            rtf=round(t.rtf, 4),
            deliveries=deliveries,
            created_at=now,
            updated_at=now,
        )
        return await self._insert_once(row, reclassify=True)

    async def fail(self, job: Job, err: LiandongError, deliveries: int = 1) -> Stored:
        """A permanent failure (unreadable audio) is recorded once, like a result."""
        row = self._error_row(job, err, deliveries, "failed")
        return await self._insert_once(row, reclassify=False)

    async def park(self, job: Job, err: LiandongError, deliveries: int = 1) -> Stored:
        """No model for the job's language yet: kept as ``waiting`` (not retried into
        the dead letters) until a worker with that model re-queues it (:meth:`waiting`)."""
        row = self._error_row(job, err, deliveries, "waiting")
        return await self._insert_once(row, reclassify=False)

    def _error_row(
        self, job: Job, err: LiandongError, deliveries: int, status: str
    ) -> TranscriptRow:
        now = self.clock()
        return TranscriptRow(
            job_id=job.job_id,
            contact_id=job.contact_id,
            kind=job.kind.value,
            status=status,
            language=job.language,
            path=job.path[:500],
            text="",
            words=[],
            error_id=err.error_id,
            error=err.message[:300],
            deliveries=deliveries,
            created_at=now,
            updated_at=now,
        )

    async def waiting(self, limit: int = 10_000) -> list[Job]:
        async with self.db.session() as s:
            rows = (
                await s.scalars(
                    select(TranscriptRow).where(TranscriptRow.status == "waiting").limit(limit)
                )
            ).all()
        return [
            Job(r.job_id, r.contact_id, r.path or "", JobKind(r.kind), r.language) for r in rows
        ]

    async def _insert_once(self, row: TranscriptRow, *, reclassify: bool) -> Stored:
        case: CaseRow | None = None
        try:
            async with self.db.session() as s:
                existing = await s.get(TranscriptRow, row.job_id)
                if (
                    existing is not None
                    and existing.status == "waiting"
                    and row.status != "waiting"
                ):
                    # A parked job that now has its model: the result replaces the marker.
                    await s.delete(existing)
                    await s.flush()
                elif existing is not None:
                    return Stored(row.job_id, created=False)
                if await s.get(ContactRow, row.contact_id) is None:
                    raise LookupError(
                        f"asr job {row.job_id} names missing contact {row.contact_id}"
                    )
                s.add(row)
                await s.flush()  # the primary key collides here, before any other write
                if reclassify:
                    case = await self._apply(s, row.contact_id, row.job_id)
        except IntegrityError:
            return Stored(row.job_id, created=False)
        await self._requeue(case)
        return Stored(row.job_id, created=True)

    async def append_live(
        self,
        channel_id: str,
        contact_id: int,
        language: str,
        text: str,
        words: list[Word],
        offset_s: float,
    ) -> None:
        """Add one final result of a live call to its row (``live:<channel>``)."""
        now = self.clock()
        job_id = f"live:{channel_id}"
        shifted = [
            {
                **w.to_dict(),
                "start": round(w.start + offset_s, 3),
                "end": round(w.end + offset_s, 3),
            }
            for w in words
        ]
        async with self.db.session() as s:
            row = await s.get(TranscriptRow, job_id)
            if row is None:
                s.add(
                    TranscriptRow(
                        job_id=job_id,
                        contact_id=contact_id,
                        kind=LIVE_KIND,
                        status="live",
                        language=language,
                        text=text,
                        words=shifted,
                        created_at=now,
                        updated_at=now,
                    )
                )
                await s.flush()
            else:
                row.text = f"{row.text} {text}".strip() if row.text else text
                row.words = [*row.words, *shifted]
                row.updated_at = now
            case = await self._apply(s, contact_id, job_id)
        await self._requeue(case)

    async def finish_live(self, channel_id: str, duration_s: float) -> None:
        async with self.db.session() as s:
            row = await s.get(TranscriptRow, f"live:{channel_id}")
            if row is not None and row.status == "live":
                row.status = "done"
                row.duration_s = round(duration_s, 3)
                row.updated_at = self.clock()

    async def transcripts(self, contact_id: int) -> list[TranscriptRow]:
        async with self.db.session() as s:
            return list(
                await s.scalars(
                    select(TranscriptRow)
                    .where(TranscriptRow.contact_id == contact_id)
                    .order_by(TranscriptRow.created_at, TranscriptRow.job_id)
                )
            )

    async def _apply(self, s: AsyncSession, contact_id: int, job_id: str) -> CaseRow | None:
        """Rebuild the contact's transcript from its rows, re-classify its open case."""
        contact = await s.get(ContactRow, contact_id)
        if contact is None:
            return None
        rows = list(
            await s.scalars(
                select(TranscriptRow)
                .where(TranscriptRow.contact_id == contact_id, TranscriptRow.text != "")
                .order_by(TranscriptRow.created_at, TranscriptRow.job_id)
            )
        )
        # A recording of the whole call is better than what was heard live.
        recorded = [r.text for r in rows if r.kind != LIVE_KIND and r.status == "done"]
        contact.transcript = "\n".join(recorded or [r.text for r in rows]) or None
        case = await s.get(CaseRow, contact.case_id)
        if case is None or case.state not in OPEN_STATES or case.merged_into_id is not None:
            return None
        text = " ".join(x for x in (contact.text, contact.transcript) if x)
        c = self.classifier.classify(text, contact.hotline)
        before = {k: getattr(case, k) for k in _FIELDS}
        case.category, case.subtype = c.category, c.subtype
        case.emergency, case.priority = c.emergency, c.priority
        after = {k: getattr(case, k) for k in _FIELDS}
        changed = [k for k in _FIELDS if before[k] != after[k]]
        if not changed:
            return case
        now = self.clock()
        case.updated_at = now
        case.version += 1
        data: dict[str, Any] = {
            "source": "asr",
            "job_id": job_id,
            "contact_id": contact_id,
            "keywords": [list(k) for k in c.keywords],
            "explanation": c.explanation,
        }
        await caselog.append(
            s,
            case_id=case.id,
            actor=self.actor,
            action=Action.classify,
            at=now,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
            data=data,
        )
        return case

    async def _requeue(self, case: CaseRow | None) -> None:
        """Refresh the work-queue entry so the desk sees the new category and rank."""
        if case is None or self.workqueue is None:
            return
        if not (case.queued and case.taken_by is None and case.state == "received"):
            return
        async with self.db.session() as s:
            first = await s.scalar(
                select(ContactRow).where(
                    ContactRow.id
                    == select(func.min(ContactRow.id))
                    .where(ContactRow.case_id == case.id)
                    .scalar_subquery()
                )
            )
        if first is None:
            return
        try:
            await self.workqueue.add(queue_item(case, first, self.names))
        except Exception:  # the janitor rebuilds the queue from the database
            log.warning("work queue not refreshed after ASR", exc_info=True)
