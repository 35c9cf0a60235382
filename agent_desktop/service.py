"""Read models for the call taker's case panel: caller history, live transcript,
classification with its explanation and the catalogue's dispatch suggestion."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.cases.masking import mask_phone
from core.cases.tables import CaseRow, ContactRow
from core.errors import InvalidInput
from core.escalation import dispatch as escalation_dispatch
from core.orgmap.tables import UnitRow
from core.wiring import CoreServices

REPEAT_WINDOW = timedelta(days=30)
# How far back the live transcript stream is searched for one case's lines.
TRANSCRIPT_SCAN = 5000


async def caller_history(
    s: AsyncSession, case: CaseRow, *, full_phones: bool, now: datetime, limit: int = 20
) -> dict[str, Any]:
    """Earlier cases from the same senders (repeat caller when any in 30 days)."""
    senders = list(
        await s.scalars(select(ContactRow.sender).where(ContactRow.case_id == case.id).distinct())
    )
    if not senders:
        return {"senders": [], "repeat": False, "total": 0, "cases": []}
    rows = (
        await s.execute(
            select(CaseRow, func.min(ContactRow.received_at))
            .join(ContactRow, ContactRow.case_id == CaseRow.id)
            .where(ContactRow.sender.in_(senders), CaseRow.id != case.id)
            .group_by(CaseRow.id)
            .order_by(CaseRow.id.desc())
            .limit(limit)
        )
    ).all()
    total = await s.scalar(
        select(func.count(func.distinct(ContactRow.case_id))).where(
            ContactRow.sender.in_(senders), ContactRow.case_id != case.id
        )
    )
    show = (lambda t: t) if full_phones else mask_phone
    recent = now - REPEAT_WINDOW
    cases = [
        {
            "number": row.number,
            "state": row.state,
            "category": row.category,
            "summary": show(row.summary),
            "created_at": row.created_at,
            "recent": first is not None and _aware(first) >= recent,
        }
        for row, first in rows
    ]
    return {
        "senders": [show(x) for x in senders],
        "repeat": any(c["recent"] for c in cases),
        "total": int(total or 0),
        "cases": cases,
    }


def _aware(t: datetime) -> datetime:
    from datetime import UTC

    return t if t.tzinfo else t.replace(tzinfo=UTC)


async def transcript(
    c: CoreServices, s: AsyncSession, case: CaseRow, *, full_phones: bool
) -> list[dict[str, Any]]:
    """The case's final transcript lines still in the live stream, oldest first."""
    contact_ids = {
        str(i) for i in await s.scalars(select(ContactRow.id).where(ContactRow.case_id == case.id))
    }
    key = f"{c.settings.redis.prefix}:asr:live"
    raw: Any = await c.redis.xrevrange(key, count=TRANSCRIPT_SCAN)
    show = (lambda t: t) if full_phones else mask_phone
    lines = []
    for entry_id, fields in reversed(raw):
        f = {
            (k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
            for k, v in fields.items()
        }
        if f.get("contact_id") in contact_ids and f.get("kind", "final") == "final":
            eid = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
            lines.append({"id": eid, "text": show(f.get("text", "")), "at": f.get("at")})
    return lines


def vocabulary(c: CoreServices) -> dict[str, Any]:
    """Category and subtype labels for the classify form."""
    vocab = c.classifier.vocabulary()
    return {
        "categories": [{"name": x.name, "label": x.label} for x in vocab.categories],
        "subtypes": [
            {"name": x.name, "label": x.label, "category": x.category} for x in vocab.subtypes
        ],
    }


def classify_text(c: CoreServices, text: str, hotline: str | None) -> dict[str, Any]:
    result = c.classifier.classify(text, hotline)
    labels = vocabulary(c)
    cat_label = {x["name"]: x["label"] for x in labels["categories"]}
    sub_label = {x["name"]: x["label"] for x in labels["subtypes"]}
    return {
        "category": result.category,
        "category_label": cat_label.get(result.category or ""),
        "subtype": result.subtype,
        "subtype_label": sub_label.get(result.subtype or ""),
        "emergency": result.emergency,
        "priority": result.priority,
        "keywords": sorted({w for w, _a, _b in result.keywords}, key=len, reverse=True),
        "explanation": result.explanation,
        "town": result.town,
    }


async def case_text(s: AsyncSession, case: CaseRow) -> tuple[str, str | None]:
    contacts = (
        await s.scalars(
            select(ContactRow).where(ContactRow.case_id == case.id).order_by(ContactRow.id)
        )
    ).all()
    text = (
        "\n".join(part for ct in contacts for part in (ct.text, ct.transcript or "") if part)
        or case.summary
    )
    return text, (contacts[0].hotline if contacts else None)


async def suggestion(c: CoreServices, s: AsyncSession, case: CaseRow) -> dict[str, Any]:
    """What ``dispatch`` without ``lead_unit_id`` would do now: units and deadlines."""
    try:
        plan = await escalation_dispatch.plan(
            s, case, [None], now=c.clock(), settings=c.settings.cases
        )
    except InvalidInput as exc:
        return {"ok": False, "reason": exc.message, "error_id": exc.error_id, "units": []}
    rows = await s.execute(select(UnitRow.id, UnitRow.name).where(UnitRow.id.in_(plan.unit_ids)))
    names = {int(uid): str(name) for uid, name in rows}
    return {
        "ok": True,
        "rule_id": plan.rule_id,
        "units": [
            {"id": uid, "name": names.get(uid, str(uid)), "role": "lead" if i == 0 else "assist"}
            for i, uid in enumerate(plan.unit_ids)
        ],
        "ack": f"{plan.ack.amount} {plan.ack.unit.value}",
        "done": f"{plan.done.amount} {plan.done.unit.value}",
        "ack_deadline": plan.ack_deadline,
        "done_deadline": plan.done_deadline,
    }


async def dispatch_units(s: AsyncSession) -> list[dict[str, Any]]:
    """Departments and township centers a call taker may name as lead unit."""
    rows = await s.execute(
        select(UnitRow.id, UnitRow.code, UnitRow.name, UnitRow.kind)
        .where(UnitRow.kind.in_(["department", "township"]))
        .order_by(UnitRow.kind, UnitRow.code)
    )
    return [{"id": i, "code": code, "name": n, "kind": k} for i, code, n, k in rows]
