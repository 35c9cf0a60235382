"""``liandong classify export-corrections``: call takers' corrections (分类 on the
console, stored by ``core.cases.actions.classify``) as labelled JSON Lines in the
training files' format, ready for ``liandong classify train --train``."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Any

import click
from sqlalchemy import select

from core.cases.tables import CaseRow, ClassifyCorrectionRow
from core.storage.engine import Database
from liandong.cli.common import load_settings, run_async
from router.lexicon import load_lexicon


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"not an ISO date: {value!r}", param_hint="--since") from exc
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def export(*, since: str | None, changed_only: bool) -> None:
    settings = load_settings()
    start = _since(since)
    defaults = {c.name: c.default_subtype for c in load_lexicon().categories.values()}

    async def go() -> list[dict[str, Any]]:
        db = Database(settings.database)
        try:
            async with db.session() as s:
                q = (
                    select(ClassifyCorrectionRow, CaseRow.number)
                    .join(CaseRow, CaseRow.id == ClassifyCorrectionRow.case_id)
                    .order_by(ClassifyCorrectionRow.id)
                )
                if start is not None:
                    q = q.where(ClassifyCorrectionRow.at >= start)
                if changed_only:
                    q = q.where(ClassifyCorrectionRow.changed.is_(True))
                return [_record(row, number, defaults) for row, number in await s.execute(q)]
        finally:
            await db.close()

    out = sys.stdout.buffer
    for record in run_async(go()):
        if record["category"] is None:
            continue  # a correction of priority only, on a case never categorised
        out.write((json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))


def _record(row: ClassifyCorrectionRow, number: str, defaults: dict[str, str]) -> dict[str, Any]:
    record: dict[str, Any] = {"id": f"corr-{row.id}", "text": row.text}
    if row.hotline:
        record["hotline"] = row.hotline
    record.update(
        category=row.category,
        subtype=row.subtype or (defaults.get(row.category) if row.category else None),
        emergency=row.emergency,
        slice="correction",
        priority=row.priority,
        suggested=row.suggested,
        changed=row.changed,
        case_number=number,
        corrected_by=row.actor,
        corrected_at=row.at.isoformat(),
    )
    return record
