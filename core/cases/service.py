"""CaseService: read cases, act on them, and rebuild them from their log."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import Principal, Role
from core.cases import caselog
from core.cases.actions import HANDLERS, ActionContext, require_reason
from core.cases.lifecycle import UNIT_ACTIONS, Action, LogEntry, next_state, replay
from core.cases.models import CaseState
from core.cases.ports import Dispatcher, QueueIndex
from core.cases.schemas import CaseActionIn
from core.cases.settings import CaseSettings
from core.cases.tables import CaseEventRow, CaseRow, InstructionRow
from core.clock import Clock
from core.errors import Conflict, NotFound
from core.storage.engine import Database

log = logging.getLogger(__name__)

# The case fields every log event snapshots before and after a change.
TRACKED = (
    "state",
    "category",
    "subtype",
    "emergency",
    "priority",
    "reopen_count",
    "taken_by",
    "merged_into_id",
    "township_id",
    "grid_id",
)


# While a case is with units, an assisting unit may act on its own instruction
# whatever the lead unit's progress.
HANDLING = frozenset({CaseState.dispatched, CaseState.acknowledged, CaseState.in_progress})


def _snapshot(case: CaseRow) -> dict[str, Any]:
    return {k: getattr(case, k) for k in TRACKED}


def _diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    changed = [k for k in TRACKED if before[k] != after[k]]
    return {k: before[k] for k in changed}, {k: after[k] for k in changed}


class CaseService:
    def __init__(
        self,
        db: Database,
        settings: CaseSettings,
        queue: QueueIndex | None,
        clock: Clock,
        dispatcher: Dispatcher,
    ) -> None:
        self.db = db
        self.settings = settings
        self.queue = queue
        self.clock = clock
        self.dispatcher = dispatcher

    async def load(self, s: AsyncSession, number: str, *, for_update: bool = False) -> CaseRow:
        q = select(CaseRow).where(CaseRow.number == number)
        if for_update and s.get_bind().dialect.name == "postgresql":
            q = q.with_for_update()
        case = await s.scalar(q)
        if case is None:
            raise NotFound(
                f"no case {number}", error_id="case-not-found", details={"number": number}
            )
        return case

    async def check_scope(self, s: AsyncSession, case: CaseRow, actor: Principal) -> None:
        """Unit staff see only cases their unit holds (or held) an instruction for."""
        if actor.role is not Role.unit_staff:
            return
        held = await s.scalar(
            select(InstructionRow.id)
            .where(InstructionRow.case_id == case.id, InstructionRow.unit_id == actor.unit_id)
            .limit(1)
        )
        if held is None:
            # Same answer as a missing case, details included: do not reveal
            # which case numbers exist in other units.
            raise NotFound(
                f"no case {case.number}",
                error_id="case-not-found",
                details={"number": case.number},
            )

    async def act(
        self, number: str, action: Action, body: CaseActionIn, actor: Principal
    ) -> CaseRow:
        require_reason(action, body)
        async with self.db.session() as s:
            case = await self.load(s, number, for_update=True)
            await self.check_scope(s, case, actor)
            if body.expected_version is not None and body.expected_version != case.version:
                raise Conflict(
                    "the case changed since you loaded it",
                    error_id="version-conflict",
                    details={"expected": body.expected_version, "actual": case.version},
                )
            await self.apply(s, case, action, body, actor, self.clock())
        if not case.queued and self.queue is not None:
            try:
                await self.queue.remove(case.number)
            except Exception:  # the janitor reconciles the index from the database
                log.warning("work queue removal deferred to janitor", extra={"case": case.number})
        return case

    async def apply(
        self,
        s: AsyncSession,
        case: CaseRow,
        action: Action,
        body: CaseActionIn,
        actor: Principal,
        now: datetime,
    ) -> None:
        """Apply one action inside the caller's transaction (the intake worker merges
        cases this way, in the same transaction as its classification)."""
        require_reason(action, body)
        before = _snapshot(case)
        # Unit actions move the case only when the lead unit acts, so they are
        # validated after the handler found the acting instruction; everything
        # else is refused before any row is touched. Either way a refusal rolls
        # the whole transaction back.
        if action not in UNIT_ACTIONS or CaseState(case.state) not in HANDLING:
            next_state(CaseState(case.state), action)
        outcome = await HANDLERS[action](
            ActionContext(s, case, body, actor, now, self.settings, self.dispatcher), action
        )
        if outcome.moves_case:
            case.state = next_state(CaseState(case.state), action).value
        else:
            outcome.data["assist"] = True
        if case.state != "received":
            case.queued = False
        case.updated_at = now
        case.version += 1
        b, a = _diff(before, _snapshot(case))
        data = {
            **outcome.data,
            **({"reason": body.reason} if body.reason else {}),
            **({"note": body.note} if body.note else {}),
        }
        await caselog.append(
            s,
            case_id=case.id,
            actor=actor.username,
            action=action,
            at=now,
            before=b,
            after=a,
            data=data,
        )
        if outcome.linked_case is not None:
            other = outcome.linked_case
            other.updated_at, other.version = now, other.version + 1
            await caselog.append(
                s,
                case_id=other.id,
                actor=actor.username,
                action=outcome.linked_action,
                at=now,
                data={**outcome.data, "from": case.number},
            )

    async def events(self, number: str, actor: Principal) -> list[CaseEventRow]:
        async with self.db.session() as s:
            case = await self.load(s, number)
            await self.check_scope(s, case, actor)
            return list(
                await s.scalars(
                    select(CaseEventRow)
                    .where(CaseEventRow.case_id == case.id)
                    .order_by(CaseEventRow.seq)
                )
            )

    async def rebuild(self, number: str) -> dict[str, Any]:
        """The case's fields as its log says they are (audit: compare with the row)."""
        async with self.db.session() as s:
            case = await self.load(s, number)
            rows = await s.scalars(
                select(CaseEventRow)
                .where(CaseEventRow.case_id == case.id)
                .order_by(CaseEventRow.seq)
            )
            return replay(
                LogEntry(Action(r.action), r.after, moves_case=not r.data.get("assist"))
                for r in rows
            )
