"""Checking the hash chains of the case log and the audit log, and the daily anchors.

Reads every row once, streamed in chain order, and stops at the first broken link:
that is the row discipline inspection must look at. What each check catches:

* an edited row no longer matches its own hash;
* a deleted row leaves a gap in its case's ``seq`` (or, in the audit log, a row
  whose ``prev_hash`` is not its predecessor's hash);
* a reordered row matches neither its hash (``seq`` is hashed) nor its link, and
  rows whose ids were swapped break the rule that a case's ids grow with ``seq``;
* a row written around the application carries no hash at all;
* the last rows of a chain deleted, or a whole chain recomputed, change the count
  or digest of an anchored day (``core.integrity.anchors``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from core.auth.tables import AuditRow
from core.cases.tables import CaseEventRow, CaseRow
from core.integrity import anchors
from core.integrity.tables import LogAnchorRow
from core.storage.chain import GENESIS, audit_fields, event_fields, link
from core.storage.engine import Database

_CHUNK = 2000


@dataclass(frozen=True, slots=True)
class Break:
    log: str  # "case_events" | "audit_log" | "log_anchors"
    row_id: int
    reason: str
    case_id: int | None = None
    seq: int | None = None
    case_number: str | None = None
    day: str | None = None

    def describe(self) -> str:
        if self.log == "case_events":
            return (
                f"case {self.case_number or self.case_id} event {self.seq} "
                f"(row id {self.row_id}): {self.reason}"
            )
        if self.log == "audit_log":
            return f"audit log entry id {self.row_id}: {self.reason}"
        return f"anchor of {self.day} (row id {self.row_id}): {self.reason}"


@dataclass
class Report:
    events: int = 0
    cases: int = 0
    audit_rows: int = 0
    anchors: int = 0
    broken: Break | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.broken is None

    def summary(self) -> str:
        if self.broken is not None:
            return f"BROKEN: {self.broken.describe()}"
        return (
            f"ok: {self.events} case-log events in {self.cases} case chains, "
            f"{self.audit_rows} audit-log entries and {self.anchors} daily anchors verified"
        )


def _check_event(row: Any, prev: tuple[int, str, int] | None) -> str | None:
    """Why this event breaks its case's chain, or None. ``prev`` = (seq, hash, id)."""
    expected_seq, expected_prev = (prev[0] + 1, prev[1]) if prev else (1, GENESIS)
    if row.hash is None:
        return "carries no hash (written around the application)"
    if link(row.prev_hash or "", event_fields(row._mapping), stored=True) != row.hash:
        return "does not match its hash (edited or moved)"
    if row.seq != expected_seq:
        return f"event {expected_seq} is missing (deleted)"
    if row.prev_hash != expected_prev:
        return "does not link to the previous event (deleted, replaced or reordered)"
    if prev is not None and row.id <= prev[2]:
        # Appends to a case are serialised (seq is unique), so row ids grow with seq;
        # ids are not hashed (bulk inserts do not know them), this catches swapped ids.
        return "is stored before the previous event (row ids reordered)"
    return None


async def _events(db: Database, report: Report) -> None:
    q = select(CaseEventRow).order_by(CaseEventRow.case_id, CaseEventRow.seq)
    case_id: int | None = None
    prev: tuple[int, str, int] | None = None
    async with db.engine.connect() as conn:
        result = await conn.stream(q.execution_options(yield_per=_CHUNK))
        async for row in result:
            if row.case_id != case_id:
                case_id, prev = row.case_id, None
                report.cases += 1
            reason = _check_event(row, prev)
            if reason is not None:
                report.broken = Break("case_events", row.id, reason, row.case_id, row.seq)
                await result.close()
                return
            prev = (row.seq, row.hash, row.id)
            report.events += 1


async def _audit(db: Database, report: Report) -> None:
    prev = GENESIS
    async with db.engine.connect() as conn:
        result = await conn.stream(select(AuditRow).order_by(AuditRow.id))
        async for row in result:
            reason = None
            if row.hash is None:
                reason = "carries no hash (written around the application)"
            elif (
                link(row.prev_hash or "", audit_fields(dict(row._mapping)), stored=True) != row.hash
            ):
                reason = "does not match its hash (edited)"
            elif row.prev_hash != prev:
                reason = "does not link to the previous entry (deleted or reordered)"
            if reason is not None:
                report.broken = Break("audit_log", row.id, reason)
                await result.close()
                return
            prev = row.hash
            report.audit_rows += 1


async def _anchors(db: Database, report: Report) -> None:
    async with db.session() as s:
        rows = (await s.scalars(select(LogAnchorRow).order_by(LogAnchorRow.id))).all()
        last: dict[str, str] = {}
        for a in rows:
            prev = last.get(a.log, GENESIS)
            count, digest = await anchors.day_digest(s, a.log, a.day)
            reason = None
            if anchors.anchor_hash(a.prev_hash, a.log, a.day, a.rows, a.digest) != a.hash:
                reason = "does not match its hash (edited)"
            elif a.prev_hash != prev:
                reason = "does not link to the previous anchor"
            elif count != a.rows:
                reason = f"the day had {a.rows} rows when anchored, now {count} ({a.log})"
            elif digest != a.digest:
                reason = f"the day's rows are not the ones anchored ({a.log})"
            if reason is not None:
                report.broken = Break("log_anchors", a.id, reason, day=a.day)
                return
            last[a.log] = a.hash
            report.anchors += 1


async def verify_all(db: Database) -> Report:
    """Every chain, then every anchor; stops at the first break."""
    report = Report()
    await _events(db, report)
    if report.broken is None:
        await _audit(db, report)
    if report.broken is None:
        await _anchors(db, report)
    b = report.broken
    if b is not None and b.case_id is not None:
        async with db.session() as s:
            number = await s.scalar(select(CaseRow.number).where(CaseRow.id == b.case_id))
        report.broken = Break(b.log, b.row_id, b.reason, b.case_id, b.seq, number)
    return report
