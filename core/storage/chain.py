"""Hash chains over the append-only logs (case log, audit log): tamper evidence.

Each row carries ``hash = SHA-256(prev_hash ‖ canonical(row))`` where ``prev_hash``
is the hash of the row before it in its chain (the previous event of the same case;
the previous audit entry) and the first row of a chain starts from ``GENESIS``. An
edited row no longer matches its hash; a deleted or reordered one breaks the link
of the row after it. The canonical form is JSON with sorted keys, no spaces, UTF-8,
and the timestamp as UTC ISO-8601 with microseconds, over values as they read back
from the database (tuples are lists and keys strings in JSON, so SQLite and
PostgreSQL hash alike).

Whoever can rewrite *every* later row can recompute the chain; the daily anchors
(``core.integrity``), kept outside the database too, are what catch that.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


def _stamp(at: datetime) -> str:
    if at.tzinfo is None:  # SQLite hands back naive UTC through plain SQL
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _plain_keys(value: Any) -> bool:
    """True when every mapping inside has string keys, as a JSON column gives back.
    (Written for speed: it runs for every event of a year of generated history.)"""
    kind = type(value)
    if kind is dict:
        for k, v in value.items():
            if type(k) is not str:
                return False
            if type(v) in _NESTED and not _plain_keys(v):
                return False
    elif kind is list or kind is tuple:
        for v in value:
            if type(v) in _NESTED and not _plain_keys(v):
                return False
    return True


_NESTED = frozenset({dict, list, tuple})


def canonical(fields: Mapping[str, Any], *, stored: bool = False) -> bytes:
    """``stored``: the values were read back from the database, JSON-native already."""
    plain = {k: (_stamp(v) if isinstance(v, datetime) else v) for k, v in fields.items()}
    if not stored and not _plain_keys(plain):
        # Non-string keys come back from a JSON column as strings, and sort
        # differently: hash what the database will hand back.
        plain = json.loads(json.dumps(plain, ensure_ascii=False))
    return json.dumps(plain, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def link(prev_hash: str, fields: Mapping[str, Any], *, stored: bool = False) -> str:
    body = canonical(fields, stored=stored)
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + body).hexdigest()


# The columns each log's hash covers (never the row id: bulk inserts do not know it).
EVENT_FIELDS = ("case_id", "seq", "at", "actor", "action", "before", "after", "data")
AUDIT_FIELDS = ("at", "actor", "action", "target", "address", "details")


_JSON = frozenset({"before", "after", "data", "details"})


def _fields(row: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    # A JSON column left out of an insert stores its default, an empty object.
    return {k: row.get(k) if row.get(k) is not None or k not in _JSON else {} for k in names}


def event_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    return _fields(row, EVENT_FIELDS)


def audit_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    return _fields(row, AUDIT_FIELDS)


def seal_events(rows: Iterable[dict[str, Any]], heads: Mapping[int, str] | None = None) -> None:
    """Set ``prev_hash``/``hash`` on new case-log rows in place. ``rows`` are in
    chain order per case; ``heads`` maps a case to its last stored hash (a case
    not in it starts a new chain)."""
    last = dict(heads or {})
    for row in rows:
        prev = last.get(row["case_id"], GENESIS)
        row["prev_hash"] = prev
        row["hash"] = last[row["case_id"]] = link(prev, event_fields(row))
