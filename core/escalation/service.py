"""EscalationService: take the due ladder steps from the database, atomically.

One pass (``take_due``) claims a batch of escalation rows whose ``next_due_at`` has
come, reads their instructions, runs :mod:`core.escalation.ladder` and, in the same
transaction, inserts each step (UNIQUE per instruction and step), appends it to the
case log (``Action.note`` with the step in ``data["escalation"]``) and stores the new
ladder state. The notices go out after commit (``deliver``); a crash in between leaves
``notified_at`` NULL and any scheduler re-delivers them later with the same keys.

Claiming: on PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets several schedulers share the
work, and the rows' cases are locked the same way (skipping busy ones) because a case
log's sequence numbers must not race ``CaseService.act``, which locks the case first.
On SQLite every transaction takes the single write lock up front (BEGIN IMMEDIATE), so
schedulers simply take turns.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core.cases import caselog
from core.cases.lifecycle import Action
from core.cases.tables import CaseEventRow, CaseRow, InstructionRow
from core.dispatch.catalogue import Catalogue, default_catalogue
from core.escalation.ladder import (
    Acknowledged,
    CaseEnded,
    Close,
    Command,
    Completed,
    Event,
    Ladder,
    Level,
    Phase,
    Returned,
    Withdrawn,
    next_due,
    run,
)
from core.escalation.ports import Notice
from core.escalation.recipients import Directory
from core.escalation.sql import insert_ignoring
from core.escalation.steps import build_step, log_data
from core.escalation.tables import EscalationRow, EscalationStepRow
from core.orgmap.tables import PersonRow
from core.storage.engine import Database
from core.worktime.calendar import Limit, WorkCalendar, default_calendar

ACTOR = "system:escalation"
DIRECTORY_TTL_S = 300.0
Assignee = aliased(PersonRow, name="assignee")
ESCALATION = cast(Table, EscalationRow.__table__)
_NEXT_DUE = select(func.min(EscalationRow.next_due_at)).where(
    EscalationRow.next_due_at.is_not(None)
)
# The new ladder state of a batch, one executemany keyed by "b_id".
_UPDATE_LADDER = update(ESCALATION).where(ESCALATION.c.id == bindparam("b_id"))
# Once the lead unit has finished the case, open assisting instructions end quietly.
CASE_DONE = frozenset({"completed", "evaluated", "closed"})


@dataclass
class Pass:
    """What one ``take_due`` pass did."""

    claimed: int = 0
    steps: int = 0
    notices: dict[int, list[Notice]] = field(default_factory=dict)  # step id -> notices
    lateness_s: list[float] = field(default_factory=list)  # per deadline-driven step
    next_due_at: datetime | None = None  # the earliest open timer after this pass


@lru_cache(maxsize=256)
def _limit(text: str) -> Limit:
    return Limit.parse(text)


def to_ladder(e: Any, ack_deadline: datetime, done_deadline: datetime, sent: datetime) -> Ladder:
    ack, done = _limit(e.ack_limit), _limit(e.done_limit)
    return Ladder(
        phase=Phase(e.phase),
        level=Level(e.level),
        sent_at=sent,
        ack_deadline=ack_deadline,
        done_deadline=done_deadline,
        window_start=e.window_start,
        deadline=e.deadline,
        working=e.working,
        reminded=e.reminded,
        ack_grace=_limit(e.ack_grace),
        done_grace=_limit(e.done_grace),
        ack_working=ack.working,
        done_working=done.working,
        closed_reason=e.closed_reason,
    )


class EscalationService:
    def __init__(
        self,
        db: Database,
        *,
        calendar: WorkCalendar | None = None,
        catalogue: Catalogue | None = None,
    ) -> None:
        self.db = db
        self.cal = calendar or default_calendar()
        self.catalogue = catalogue or default_catalogue()
        self._directory: Directory | None = None
        self._directory_at = 0.0

    async def directory(self, s: AsyncSession) -> Directory:
        if self._directory is None or time.monotonic() - self._directory_at > DIRECTORY_TTL_S:
            self._directory = await Directory.load(s)
            self._directory_at = time.monotonic()
        return self._directory

    def _events(self, ins: Any, case_state: str, now: datetime) -> list[Event]:
        """What happened to the instruction since the ladder last looked, from its row."""
        events: list[Event] = []
        if case_state == "merged":
            return [CaseEnded(now, "case_merged")]
        if case_state in CASE_DONE and ins.state not in ("completed", "returned"):
            return [CaseEnded(now, "case_completed")]
        if ins.acknowledged_at is not None:
            events.append(Acknowledged(ins.acknowledged_at))
        if ins.state == "completed":
            events.append(Completed(ins.completed_at or now))
        elif ins.state == "returned":
            valid = self.catalogue.return_reason_valid(ins.reason)
            events.append(Returned(now, valid, ins.reason))
        elif ins.state == "withdrawn":
            events.append(Withdrawn(now))
        return events

    async def _claim(self, s: AsyncSession, now: datetime, limit: int) -> list[Any]:
        q = (
            select(
                *ESCALATION.c,
                InstructionRow.state,
                InstructionRow.sent_at,
                InstructionRow.ack_deadline,
                InstructionRow.done_deadline,
                InstructionRow.acknowledged_at,
                InstructionRow.completed_at,
                InstructionRow.reason,
                CaseRow.number,
                CaseRow.state.label("case_state"),
                CaseRow.summary,
                Assignee.name.label("assignee_name"),
                Assignee.title.label("assignee_title"),
                Assignee.phone.label("assignee_phone"),
            )
            .join(InstructionRow, InstructionRow.id == EscalationRow.instruction_id)
            .join(CaseRow, CaseRow.id == EscalationRow.case_id)
            .outerjoin(Assignee, Assignee.id == EscalationRow.assignee_id)
            .where(EscalationRow.next_due_at.is_not(None), EscalationRow.next_due_at <= now)
            .order_by(EscalationRow.next_due_at)
            .limit(limit)
        )
        pg = self.db.dialect == "postgresql"
        if pg:
            q = q.with_for_update(of=ESCALATION, skip_locked=True)
        rows = list((await s.execute(q)).all())
        if pg and rows:
            case_ids = sorted({r.case_id for r in rows})
            locked = set(
                await s.scalars(
                    select(CaseRow.id)
                    .where(CaseRow.id.in_(case_ids))
                    .order_by(CaseRow.id)
                    .with_for_update(skip_locked=True)
                )
            )
            rows = [r for r in rows if r.case_id in locked]
        return rows

    async def take_due(
        self,
        now: datetime,
        *,
        limit: int = 500,
        by: str = ACTOR,
        delivered: Sequence[int] = (),
    ) -> Pass:
        """Claim up to ``limit`` due ladders, take their steps and commit.

        ``delivered`` are ids of steps whose notices the caller handed to the notifier
        since its last pass; they are marked in this same transaction (one commit less
        per pass; until then a crash only means a de-duplicated re-delivery).
        """
        result = Pass()
        async with self.db.session() as s:
            if delivered:
                await s.execute(
                    update(EscalationStepRow)
                    .where(EscalationStepRow.id.in_(list(delivered)))
                    .values(notified_at=now)
                )
            rows = await self._claim(s, now, limit)
            result.claimed = len(rows)
            steps: list[dict[str, Any]] = []
            inserted: dict[tuple[int, str], int] = {}
            if rows:
                directory = await self.directory(s)
                updates: list[dict[str, Any]] = []
                for r in rows:
                    ladder = to_ladder(r, r.ack_deadline, r.done_deadline, r.sent_at)
                    events = self._events(r, r.case_state, now)
                    ladder, cmds = run(ladder, events, now, self.cal)
                    for cmd in cmds:
                        if not isinstance(cmd, Close):
                            steps.append(build_step(r, cmd, now, by, directory, self.cal))
                    updates.append(self._state(r, ladder, cmds, now))
                inserted = await self._insert_steps(s, steps)
                await self._log(s, steps, inserted, now, directory)
                await s.execute(_UPDATE_LADDER, updates)
            result.next_due_at = await s.scalar(_NEXT_DUE)
        for st in steps:
            sid = inserted.get((st["instruction_id"], st["step"]))
            if sid is None:
                continue
            result.steps += 1
            result.notices[sid] = [Notice.from_dict(n) for n in st["notices"]]
            if st["kind"] != "deliver":
                result.lateness_s.append((now - st["due_at"]).total_seconds())
        return result

    def _state(
        self, e: Any, ladder: Ladder, cmds: Sequence[Command], now: datetime
    ) -> dict[str, Any]:
        closing = next((c for c in cmds if isinstance(c, Close)), None)
        return {
            "b_id": e.id,
            "phase": ladder.phase.value,
            "level": int(ladder.level),
            "window_start": ladder.window_start,
            "deadline": ladder.deadline,
            "working": ladder.working,
            "reminded": ladder.reminded,
            "next_due_at": next_due(ladder, self.cal),
            "closed_reason": ladder.closed_reason,
            "closed_at": closing.at if closing else e.closed_at,
            "updated_at": now,
        }

    async def _insert_steps(
        self, s: AsyncSession, steps: list[dict[str, Any]]
    ) -> dict[tuple[int, str], int]:
        """Insert the steps; the UNIQUE (instruction, step) drops any already taken."""
        if not steps:
            return {}
        table = EscalationStepRow.__table__
        stmt = insert_ignoring(table, self.db.dialect, "instruction_id", "step").returning(
            table.c.id, table.c.instruction_id, table.c.step
        )
        cols = {c.name for c in table.columns} - {"id"}
        rows = await s.execute(stmt, [{k: v for k, v in st.items() if k in cols} for st in steps])
        return {(iid, step): sid for sid, iid, step in rows}

    async def _log(
        self,
        s: AsyncSession,
        steps: list[dict[str, Any]],
        inserted: dict[tuple[int, str], int],
        now: datetime,
        directory: Directory,
    ) -> None:
        """One case-log note per step taken, numbered after the case's last event."""
        fresh = [st for st in steps if (st["instruction_id"], st["step"]) in inserted]
        if not fresh:
            return
        case_ids = sorted({st["case_id"] for st in fresh})
        head = await caselog.heads(s, case_ids)
        last: dict[int, int] = {cid: seq for cid, (seq, _h) in head.items()}
        events = []
        for st in fresh:
            seq = last.get(st["case_id"], 0) + 1
            last[st["case_id"]] = seq
            events.append(
                {
                    "case_id": st["case_id"],
                    "seq": seq,
                    "at": now,
                    "actor": st["taken_by"],
                    "action": Action.note.value,
                    "before": {},
                    "after": {},
                    "data": {"escalation": log_data(st, directory)},
                }
            )
        # The rows caselog.append would add, in one executemany: through the ORM unit
        # of work each would be its own INSERT round trip (it fetches every new key).
        caselog.seal_events(events, {cid: h for cid, (_seq, h) in head.items()})
        await s.execute(insert(CaseEventRow), events)

    async def mark_notified(self, step_ids: Sequence[int], now: datetime) -> None:
        if not step_ids:
            return
        async with self.db.session() as s:
            await s.execute(
                update(EscalationStepRow)
                .where(EscalationStepRow.id.in_(list(step_ids)))
                .values(notified_at=now)
            )

    async def unsent(self, older_than: datetime, limit: int = 500) -> dict[int, list[Notice]]:
        """Steps committed but never confirmed delivered (their scheduler died after commit)."""
        async with self.db.session() as s:
            rows = await s.execute(
                select(EscalationStepRow.id, EscalationStepRow.notices)
                .where(
                    EscalationStepRow.notified_at.is_(None),
                    EscalationStepRow.taken_at <= older_than,
                )
                .order_by(EscalationStepRow.taken_at)
                .limit(limit)
            )
            return {sid: [Notice.from_dict(n) for n in notices] for sid, notices in rows}

    async def next_due_at(self) -> datetime | None:
        async with self.db.session() as s:
            return await s.scalar(_NEXT_DUE)
