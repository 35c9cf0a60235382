"""What each case action does to the rows, inside the caller's transaction.

Each handler returns the fields it changed on the case (``before``/``after`` for
the log) plus extra log data; ``CaseService.act`` validates the transition first
and appends the event. Instruction-level changes for assisting units (协办) do
not move the case: only the lead unit's instruction drives the case state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import Principal, Role
from core.cases.lifecycle import REASON_REQUIRED, Action
from core.cases.models import Category, InstructionRole, InstructionState
from core.cases.ports import Dispatcher
from core.cases.schemas import CaseActionIn
from core.cases.settings import CaseSettings
from core.cases.tables import (
    CaseEventRow,
    CaseRow,
    ClassifyCorrectionRow,
    ContactRow,
    InstructionRow,
)
from core.errors import IllegalTransition, InvalidInput, NotFound, PermissionDenied
from core.orgmap.tables import UnitRow

ACTIVE = (InstructionState.sent, InstructionState.acknowledged, InstructionState.in_progress)


@dataclass
class Outcome:
    data: dict[str, Any] = field(default_factory=dict)
    moves_case: bool = True  # False when only an assisting unit's instruction changed
    linked_case: CaseRow | None = None  # the other case of a merge or split
    linked_action: Action = Action.link_contact  # what the other case's log records


@dataclass
class ActionContext:
    session: AsyncSession
    case: CaseRow
    body: CaseActionIn
    actor: Principal
    now: datetime
    settings: CaseSettings
    dispatcher: Dispatcher


def require_reason(action: Action, body: CaseActionIn) -> None:
    if action in REASON_REQUIRED and not (body.reason and body.reason.strip()):
        raise InvalidInput(f"{action.value} needs a reason", error_id="reason-required")


async def _unit(s: AsyncSession, unit_id: int) -> UnitRow:
    unit = await s.get(UnitRow, unit_id)
    if unit is None:
        raise NotFound(f"no unit {unit_id}", error_id="unit-not-found")
    return unit


async def _send(
    ctx: ActionContext, unit_ids: Sequence[int | None], *, reopen: bool = False
) -> list[int]:
    """Send the case to ``[lead, *assist]``; a lead of None lets the catalogue decide."""
    for uid in unit_ids:
        if uid is not None:
            await _unit(ctx.session, uid)
    return await ctx.dispatcher.send(ctx.session, ctx.case, unit_ids, now=ctx.now, reopen=reopen)


async def _withdraw_active(ctx: ActionContext) -> None:
    await ctx.session.execute(
        update(InstructionRow)
        .where(
            InstructionRow.case_id == ctx.case.id,
            InstructionRow.state.in_([s.value for s in ACTIVE]),
        )
        .values(state=InstructionState.withdrawn.value)
    )


async def _acting_instruction(ctx: ActionContext) -> InstructionRow:
    """The instruction the actor's unit holds; unit staff may act only for their own."""
    unit_id = ctx.body.unit_id
    if ctx.actor.role is Role.unit_staff:
        if unit_id is not None and unit_id != ctx.actor.unit_id:
            raise PermissionDenied("unit staff act only for their own unit")
        unit_id = ctx.actor.unit_id
    q = select(InstructionRow).where(
        InstructionRow.case_id == ctx.case.id, InstructionRow.state.in_([s.value for s in ACTIVE])
    )
    q = (
        q.where(InstructionRow.unit_id == unit_id)
        if unit_id is not None
        else q.where(InstructionRow.role == InstructionRole.lead.value)
    )
    row = (await ctx.session.scalars(q.order_by(InstructionRow.id.desc()))).first()
    if row is None:
        raise NotFound(
            "no open instruction for that unit on this case",
            error_id="instruction-not-found",
            details={"unit_id": unit_id},
        )
    return row


async def dispatch(ctx: ActionContext, action: Action) -> Outcome:
    # Without lead_unit_id the dispatch catalogue picks the units (R7); _send refuses
    # with lead-unit-required when it cannot.
    if action is Action.reassign:
        await _withdraw_active(ctx)
    sent = await _send(ctx, [ctx.body.lead_unit_id, *ctx.body.assist_unit_ids])
    ctx.case.queued = False
    return Outcome({"lead_unit_id": sent[0], "assist_unit_ids": sent[1:]})


async def reopen(ctx: ActionContext, action: Action) -> Outcome:
    lead = ctx.body.lead_unit_id
    if lead is None:
        lead = await ctx.session.scalar(
            select(InstructionRow.unit_id)
            .where(
                InstructionRow.case_id == ctx.case.id,
                InstructionRow.role == InstructionRole.lead.value,
            )
            .order_by(InstructionRow.id.desc())
        )
    if lead is None:
        raise InvalidInput(
            "reopen needs lead_unit_id: the case was never dispatched",
            error_id="lead-unit-required",
        )
    sent = await _send(ctx, [lead, *ctx.body.assist_unit_ids], reopen=True)
    ctx.case.reopen_count += 1
    return Outcome({"lead_unit_id": sent[0], "assist_unit_ids": sent[1:]})


_INSTRUCTION_AFTER = {
    Action.acknowledge: InstructionState.acknowledged,
    Action.start: InstructionState.in_progress,
    Action.complete: InstructionState.completed,
    Action.return_: InstructionState.returned,
}


_INSTRUCTION_FROM = {
    Action.acknowledge: {InstructionState.sent},
    Action.start: {InstructionState.acknowledged},
    Action.complete: {InstructionState.acknowledged, InstructionState.in_progress},
    Action.return_: set(ACTIVE),
}


async def handle(ctx: ActionContext, action: Action) -> Outcome:
    ins = await _acting_instruction(ctx)
    target = _INSTRUCTION_AFTER[action]
    if InstructionState(ins.state) not in _INSTRUCTION_FROM[action]:
        raise IllegalTransition(
            f"instruction is {ins.state}; cannot {action.value}",
            details={"instruction_id": ins.id, "state": ins.state, "action": action.value},
        )
    ins.state = target.value
    if action is Action.acknowledge:
        ins.acknowledged_at = ctx.now
    if action is Action.complete:
        ins.completed_at = ctx.now
    if action is Action.return_:
        ins.reason = ctx.body.reason
    data = {
        "instruction_id": ins.id,
        "unit_id": ins.unit_id,
        "role": ins.role,
        "on_time": ctx.now
        <= (ins.ack_deadline if action is Action.acknowledge else ins.done_deadline),
    }
    return Outcome(data, moves_case=ins.role == InstructionRole.lead.value)


_LABELS = ("category", "subtype", "emergency", "priority")
# A transcript may be longer than a typed text (core.cases.schemas caps those at
# 20,000); a labelled example keeps what one classification reads.
_EXAMPLE_CHARS = 20_000


async def classify(ctx: ActionContext, action: Action) -> Outcome:
    b = ctx.body
    suggested = {k: getattr(ctx.case, k) for k in _LABELS}
    if b.category is not None:
        try:
            ctx.case.category = Category(b.category).value
        except ValueError:
            raise InvalidInput(
                f"unknown category {b.category!r}", error_id="unknown-category"
            ) from None
    if b.subtype is not None:
        ctx.case.subtype = b.subtype
    if b.priority is not None:
        ctx.case.priority = b.priority
    if b.emergency is not None:
        ctx.case.emergency = b.emergency
    await _keep_as_example(ctx, suggested)
    return Outcome({"by": "manual"})


async def _keep_as_example(ctx: ActionContext, suggested: dict[str, Any]) -> None:
    """The call taker's labels and the case's first contact's words, as one labelled
    example (same transaction: the correction and its example land together)."""
    contact = await ctx.session.scalar(
        select(ContactRow).where(ContactRow.case_id == ctx.case.id).order_by(ContactRow.id).limit(1)
    )
    text = (contact.text or contact.transcript or "") if contact is not None else ""
    if not text.strip() or contact is None:
        return  # nothing was said that a classifier could learn from
    labels = {k: getattr(ctx.case, k) for k in _LABELS}
    ctx.session.add(
        ClassifyCorrectionRow(
            case_id=ctx.case.id,
            contact_id=contact.id,
            text=text[:_EXAMPLE_CHARS],
            hotline=contact.hotline,
            suggested=suggested,
            category=labels["category"],
            subtype=labels["subtype"],
            emergency=bool(labels["emergency"]),
            priority=labels["priority"],
            changed=labels != suggested,
            actor=ctx.actor.username,
            at=ctx.now,
        )
    )


async def take(ctx: ActionContext, action: Action) -> Outcome:
    if ctx.case.taken_by is not None and ctx.case.taken_by != ctx.actor.username:
        raise InvalidInput(
            "another call taker has this case",
            error_id="already-taken",
            details={"taken_by": ctx.case.taken_by},
        )
    ctx.case.taken_by = ctx.actor.username
    ctx.case.queued = False
    return Outcome()


async def merge(ctx: ActionContext, action: Action) -> Outcome:
    if not ctx.body.into:
        raise InvalidInput(
            "merge needs the target case number in 'into'", error_id="merge-target-required"
        )
    target = await ctx.session.scalar(select(CaseRow).where(CaseRow.number == ctx.body.into))
    if target is None:
        raise NotFound(f"no case {ctx.body.into}", error_id="case-not-found")
    if target.id == ctx.case.id or target.state == "merged":
        raise InvalidInput(
            "cannot merge into itself or into a merged case", error_id="bad-merge-target"
        )
    contact_ids = list(
        await ctx.session.scalars(select(ContactRow.id).where(ContactRow.case_id == ctx.case.id))
    )
    await ctx.session.execute(
        update(ContactRow).where(ContactRow.case_id == ctx.case.id).values(case_id=target.id)
    )
    ctx.case.merged_into_id = target.id
    ctx.case.queued = False
    return Outcome({"into": target.number, "contact_ids": contact_ids}, linked_case=target)


async def split(ctx: ActionContext, action: Action) -> Outcome:
    """Undo a merge (拆单): the contacts the merge moved come back to this case, which
    is received and queued again; the case it was folded into keeps everything else."""
    target_id = ctx.case.merged_into_id
    if target_id is None:
        raise InvalidInput("this case was not merged", error_id="not-merged")
    target = await ctx.session.get(CaseRow, target_id)
    if target is None:  # a foreign key makes this impossible; say so rather than guess
        raise NotFound(f"merged into a missing case {target_id}", error_id="case-not-found")
    merged = await ctx.session.scalar(
        select(CaseEventRow)
        .where(CaseEventRow.case_id == ctx.case.id, CaseEventRow.action == Action.merge.value)
        .order_by(CaseEventRow.seq.desc())
        .limit(1)
    )
    moved = [int(i) for i in (merged.data.get("contact_ids", []) if merged else [])]
    if moved:
        await ctx.session.execute(
            update(ContactRow)
            .where(ContactRow.id.in_(moved), ContactRow.case_id == target.id)
            .values(case_id=ctx.case.id)
        )
    ctx.case.merged_into_id = None
    ctx.case.taken_by = None
    ctx.case.queued = True
    return Outcome(
        {"from": target.number, "contact_ids": moved},
        linked_case=target,
        linked_action=Action.unlink_contact,
    )


async def evaluate(ctx: ActionContext, action: Action) -> Outcome:
    if ctx.body.rating is None:
        raise InvalidInput(
            "evaluate needs rating 1 满意 / 2 基本满意 / 3 不满意", error_id="rating-required"
        )
    return Outcome({"rating": ctx.body.rating})


async def plain(ctx: ActionContext, action: Action) -> Outcome:
    if action is Action.resolve_directly:
        ctx.case.queued = False
    return Outcome()


HANDLERS = {
    Action.dispatch: dispatch,
    Action.reassign: dispatch,
    Action.reopen: reopen,
    Action.acknowledge: handle,
    Action.start: handle,
    Action.complete: handle,
    Action.return_: handle,
    Action.classify: classify,
    Action.take: take,
    Action.merge: merge,
    Action.split_: split,
    Action.evaluate: evaluate,
    Action.note: plain,
    Action.resolve_directly: plain,
    Action.close: plain,
}
