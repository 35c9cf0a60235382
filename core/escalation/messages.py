"""The Chinese texts each step sends (short enough for one or two SMS)."""

from __future__ import annotations

from datetime import datetime

from core.escalation.ladder import LEVEL_LABELS, Cause, Deliver, Escalate, Level, Phase, Remind
from core.worktime.calendar import WorkCalendar

_PHASE_VERB = {Phase.deliver: "签收", Phase.ack: "签收", Phase.done: "办结", Phase.closed: "办结"}
_PUSH = {
    Level.unit_head: "请督促办理",
    Level.deputy_mayor: "请督促整改",
    Level.principal: "请督促整改",
}


def when(at: datetime, cal: WorkCalendar) -> str:
    local = cal.local(at)
    return f"{local.month}月{local.day}日{local.hour:02d}:{local.minute:02d}"


def deliver_text(
    case_number: str, summary: str, unit: str, ack: datetime, done: datetime, cal: WorkCalendar
) -> str:
    return (
        f"【黔西110联动·派单】工单{case_number}（{_short(summary)}）已派至{unit}，"
        f"请于{when(ack, cal)}前签收，{when(done, cal)}前办结。"
    )


def remind_text(case_number: str, unit: str, cmd: Remind, cal: WorkCalendar) -> str:
    return (
        f"【催办】{unit}承办的工单{case_number}须于{when(cmd.deadline, cal)}前"
        f"{_PHASE_VERB[cmd.phase]}，请抓紧办理。"
    )


def escalate_text(
    case_number: str,
    summary: str,
    unit: str,
    cmd: Escalate,
    cal: WorkCalendar,
    reason: str | None = None,
) -> str:
    if cmd.cause is Cause.returned:
        why = _short(reason or "未说明")
        what = (
            f"{unit}对工单{case_number}（{_short(summary)}）退单，"
            f"理由「{why}」不属于工作方案认可的退单情形"
        )
    else:
        missed = when(cmd.missed, cal) if cmd.missed else ""
        what = f"{unit}未在{missed}前{_PHASE_VERB[cmd.phase]}工单{case_number}（{_short(summary)}）"
    if cmd.level is Level.discipline:
        return (
            f"【移送纪检监察】{what}，经三次督办仍未落实，按程序移送纪检监察机关追究失职渎职责任。"
        )
    label = LEVEL_LABELS[cmd.level].removeprefix("推送")
    limit = f"，限{when(cmd.next_deadline, cal)}前落实" if cmd.next_deadline else ""
    return f"【督办·{label}】{what}，{_PUSH[cmd.level]}{limit}。"


def step_kind(cmd: Deliver | Remind | Escalate) -> str:
    if isinstance(cmd, Deliver):
        return "deliver"
    return "remind" if isinstance(cmd, Remind) else "escalate"


def _short(text: str, n: int = 30) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"
