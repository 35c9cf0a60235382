"""The console's vocabulary: what a case search asks for. Pure: no I/O, no ORM."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# Below this many characters a fragment has no trigram: SQLite's FTS5 trigram index
# cannot answer it, so the search scans with LIKE instead (same result, slower).
TRIGRAM = 3
# No index answers such a fragment on either database (no trigram): without a date
# range it searches this many days back, so one keystroke cannot scan every contact.
SHORT_WINDOW = timedelta(days=7)
# Past this many matching cases the search stops counting (the answer says so).
COUNT_CAP = 10_000
# A contact may have reached the platform a little before its case was opened.
CONTACT_LEAD = timedelta(days=1)


# The console's words for categories (as agent_desktop/static/common.js LD.CATEGORY).
CATEGORY_LABELS = {
    "police": "警情", "fire": "消防救援", "medical": "医疗急救", "traffic": "交通",
    "consumer": "消费维权", "government": "政务服务",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """Every filter is optional; given ones are ANDed. Times are UTC, ``until`` excluded."""

    q: str | None = None
    number: str | None = None
    phone: str | None = None
    category: str | None = None
    township_id: int | None = None
    grid_id: int | None = None
    unit_id: int | None = None
    state: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    channel: str | None = None
    hotline: str | None = None
    overdue: bool = False
    escalated: bool = False


def like_pattern(fragment: str) -> str:
    """``%fragment%`` with LIKE's own wildcards taken literally (escape ``\\``)."""
    escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def fts_phrase(fragment: str) -> str:
    """An FTS5 query matching the fragment as typed: one quoted phrase, so operators
    (AND, NEAR, *, column filters) in what a call taker typed are plain text."""
    return '"' + fragment.replace('"', '""') + '"'
