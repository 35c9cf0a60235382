"""A case's whole story in time order: its contacts (with transcripts), and every
case-log event told in words — classification, 派单, 签收/退单/改派, 办结, calls
(the telephony journal's notes), missed calls, reminders and ladder steps with the
people they notified, ratings, 并单/拆单, 重办 and 结案.

The case log is the source: each context already writes its part there (telephony
through ``telephony.calls.journal``, the ladder through ``core.escalation``, ratings
through the ``evaluate`` action), so the timeline needs no adapter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.cases.masking import mask_phone
from core.cases.models import STATE_LABELS, CaseState
from core.cases.tables import CaseEventRow, CaseRow, ContactRow
from core.console.models import CATEGORY_LABELS
from core.console.schemas import TimelineItem
from core.orgmap.tables import UnitRow

CHANNEL_LABELS = {
    "phone": "电话", "wechat": "微信", "weibo": "微博", "sms": "短信", "app": "APP",
    "stb_alarm": "机顶盒一键报警", "grid": "网格员上报",
}  # fmt: skip
RATING_LABELS = {1: "满意", 2: "基本满意", 3: "不满意"}
ESCALATION_KINDS = {"deliver": ("delivery", "送达"), "remind": ("reminder", "催办"),
                    "escalate": ("escalation", "督办升级")}  # fmt: skip

# action -> (timeline kind, words); the kind is stable for the console's icons/filters.
ACTIONS: dict[str, tuple[str, str]] = {
    "create": ("created", "受理"),
    "take": ("take", "认领"),
    "dispatch": ("instruction", "派单"),
    "reassign": ("reassign", "改派"),
    "acknowledge": ("acknowledge", "签收"),
    "start": ("start", "开始处置"),
    "return": ("return", "退单"),
    "complete": ("complete", "办结"),
    "resolve_directly": ("resolve", "直接办结（答复群众）"),
    "evaluate": ("rating", "回访评价"),
    "close": ("close", "结案"),
    "reopen": ("reopen", "重办"),
    "merge": ("merge", "并单"),
    "link_contact": ("merge", "并入来电"),
    "split": ("split", "拆单"),
    "unlink_contact": ("split", "拆出来电"),
    "classify": ("classification", "分类"),
    "note": ("note", "备注"),
}


def _mask_all(value: Any, mask: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {k: _mask_all(v, mask) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_all(v, mask) for v in value]
    return value


def _unit_ids(data: dict[str, Any]) -> list[int]:
    ids = [data.get("lead_unit_id"), *data.get("assist_unit_ids", []), data.get("unit_id")]
    return [i for i in ids if isinstance(i, int)]


def _units(data: dict[str, Any], names: dict[int, str]) -> str:
    return "、".join(names.get(i, str(i)) for i in _unit_ids(data))


def _classification(after: dict[str, Any]) -> str:
    parts = []
    if "category" in after:
        parts.append(CATEGORY_LABELS.get(after["category"], str(after["category"])))
    if after.get("subtype"):
        parts.append(f"细类 {after['subtype']}")
    if "priority" in after:
        parts.append(f"优先级 {after['priority']}")
    if "emergency" in after:
        parts.append("紧急" if after["emergency"] else "非紧急")
    return "，".join(parts) if parts else "未改变"


def describe(ev: CaseEventRow, names: dict[int, str]) -> tuple[str, str]:
    """The (kind, text) of one case-log event, in Chinese."""
    kind, words = ACTIONS.get(ev.action, ("note", ev.action))
    d, after = ev.data, ev.after
    if ev.action == "note":
        if "escalation" in d:
            esc = d["escalation"]
            kind, label = ESCALATION_KINDS.get(esc.get("kind"), ("escalation", "督办"))
            to = "、".join(esc.get("to") or [])
            return kind, f"{label}：{esc.get('unit') or ''} {esc.get('level_label') or ''}" + (
                f"，通知 {to}" if to else ""
            )
        note = str(d.get("note") or "")
        if note.startswith("电话："):
            return "call", note
        if d.get("missed_call"):
            return "missed_call", f"漏接来电，等待 {d.get('waited_s', 0)} 秒，待回拨"
        if d.get("possible_duplicate_of"):
            return "duplicate", f"可能重复：{d['possible_duplicate_of']}（{d.get('reason', '')}）"
        return "note", note or words
    if ev.action == "classify":
        return kind, "分类：" + _classification(after)
    if ev.action == "evaluate" and d.get("rating") in RATING_LABELS:
        return kind, f"回访评价：{RATING_LABELS[d['rating']]}"
    if ev.action in ("merge", "link_contact", "split", "unlink_contact"):
        other = d.get("into") or d.get("from")
        return kind, f"{words}：{other}" if other else words
    units = _units(d, names)
    text = f"{words}：{units}" if units else words
    label = STATE_LABELS[CaseState(after["state"])] if "state" in after else words
    if label != words:
        text += f"（工单状态：{label}）"
    if d.get("reason"):
        text += f"，理由：{d['reason']}"
    return kind, text


async def timeline(s: AsyncSession, case: CaseRow, *, full_phones: bool) -> list[TimelineItem]:
    mask: Callable[[str], str] = (lambda t: t) if full_phones else mask_phone
    contacts = (await s.scalars(select(ContactRow).where(ContactRow.case_id == case.id))).all()
    events = (
        await s.scalars(
            select(CaseEventRow).where(CaseEventRow.case_id == case.id).order_by(CaseEventRow.seq)
        )
    ).all()
    unit_ids = {i for ev in events for i in _unit_ids(ev.data)}
    names: dict[int, str] = {}
    if unit_ids:
        rows = await s.execute(select(UnitRow.id, UnitRow.name).where(UnitRow.id.in_(unit_ids)))
        names = {int(i): str(n) for i, n in rows}
    out: list[tuple[Any, int, TimelineItem]] = []
    for c in contacts:
        channel = CHANNEL_LABELS.get(c.channel, c.channel) + (f" {c.hotline}" if c.hotline else "")
        out.append((c.received_at, 0, TimelineItem(
            at=c.received_at, kind="contact", actor=mask(c.sender),
            text=mask(f"{channel}：{c.text}"),
            data={"contact_id": c.id, "channel": c.channel, "hotline": c.hotline},
        )))  # fmt: skip
        if c.transcript:
            out.append((c.received_at, 1, TimelineItem(
                at=c.received_at, kind="transcript", text=mask(f"录音转写：{c.transcript}"),
                data={"contact_id": c.id},
            )))  # fmt: skip
    for ev in events:
        kind, words = describe(ev, names)
        out.append((ev.at, 2, TimelineItem(
            at=ev.at, kind=kind, text=mask(words), actor=ev.actor,
            data={"seq": ev.seq, "action": ev.action, **_mask_all(ev.data, mask)},
        )))  # fmt: skip
    # Stable: same instant keeps contact, transcript, then the log in its own order.
    out.sort(key=lambda t: (t[0], t[1]))
    return [item for _, _, item in out]
