"""Building the steps a scheduler pass takes: who is told what, and what the case
log records (pure functions of a claimed row and a ladder command)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.escalation import messages
from core.escalation.ladder import LEVEL_LABELS, Deliver, Escalate, Level, Remind
from core.escalation.ports import Notice
from core.escalation.recipients import Directory, Recipient
from core.worktime.calendar import WorkCalendar


def build_step(
    r: Any,
    cmd: Deliver | Remind | Escalate,
    now: datetime,
    by: str,
    directory: Directory,
    cal: WorkCalendar,
) -> dict[str, Any]:
    """The ``escalation_steps`` row for one command, with its notices.

    ``r`` is a claimed row: the escalation's columns plus its instruction's and case's.
    Keys starting with "_" are not columns; the case-log note uses them.
    """
    unit = directory.unit_name(r.unit_id)
    if isinstance(cmd, Deliver):
        text = messages.deliver_text(
            r.number, r.summary, unit, r.ack_deadline, r.done_deadline, cal
        )
        to = _assignee(r, directory)
        level = r.level
    elif isinstance(cmd, Remind):
        text = messages.remind_text(r.number, unit, cmd, cal)
        # The reminder reaches whoever must act and, once escalated, the unit's head
        # who was told to see to it.
        heads = directory.recipients(Level.unit_head, r.unit_id) if cmd.level else []
        to = _assignee(r, directory) + heads
        level = int(cmd.level)
    else:
        text = messages.escalate_text(r.number, r.summary, unit, cmd, cal, r.reason)
        to = directory.recipients(cmd.level, r.unit_id)
        level = int(cmd.level)
    notices = [
        Notice(
            key=f"{r.instruction_id}:{cmd.step}:{p.key}",
            recipient=p.key,
            person_id=p.person_id,
            name=p.name,
            phone=p.phone,
            message=text,
            case_number=r.number,
            instruction_id=r.instruction_id,
            step=cmd.step,
        ).to_dict()
        for p in dict((p.key, p) for p in to).values()
    ]
    return {
        "escalation_id": r.id,
        "instruction_id": r.instruction_id,
        "case_id": r.case_id,
        "step": cmd.step,
        "kind": messages.step_kind(cmd),
        "level": level,
        "cause": cmd.cause.value if isinstance(cmd, Escalate) else None,
        "due_at": cmd.due_at,
        "taken_at": now,
        "taken_by": by,
        "notices": notices,
        "notified_at": None,
        # not columns: for the case log
        "_unit_id": r.unit_id,
        "_rule": r.rule_id,
        "_next": cmd.next_deadline if isinstance(cmd, Escalate) else None,
        "_deadline": cmd.deadline if isinstance(cmd, Remind) else None,
    }


def _assignee(r: Any, directory: Directory) -> list[Recipient]:
    """The person told when the instruction was sent, else the unit's duty phone."""
    if r.assignee_id is not None and r.assignee_name is not None:
        label = f"{r.assignee_name}（{r.assignee_title}）" if r.assignee_title else r.assignee_name
        return [Recipient(f"person:{r.assignee_id}", label, r.assignee_id, r.assignee_phone)]
    unit = directory.units.get(r.unit_id)
    return [Recipient(f"unit:{r.unit_id}", directory.unit_name(r.unit_id), None,
                      unit.phone if unit else None)]  # fmt: skip


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def log_data(st: dict[str, Any], directory: Directory) -> dict[str, Any]:
    level = Level(st["level"])
    return {
        "instruction_id": st["instruction_id"],
        "unit_id": st["_unit_id"],
        "unit": directory.unit_name(st["_unit_id"]),
        "step": st["step"],
        "kind": st["kind"],
        "level": int(level),
        "level_label": LEVEL_LABELS[level],
        "cause": st["cause"],
        "due_at": _iso(st["due_at"]),
        "deadline": _iso(st["_deadline"]),
        "next_deadline": _iso(st["_next"]),
        "rule": st["_rule"],
        "to": [n["name"] for n in st["notices"]],
    }
