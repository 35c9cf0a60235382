"""The shell's errors.

    LiandongError
    ├── Conflict (409)
    │   └── HistoryPresent             409 history-present (the database has its year)
    ├── InvalidInput (422)
    │   └── RestoreRefused             422 restore-refused (no manifest, other kind, no --yes)
    └── BackupFailed                   500 backup-failed (pg_dump/pg_restore, counts differ)

``BadLine`` is ``liandong classify``'s: one input line that cannot be classified; it
becomes that line's error object in the output, the run goes on.
"""

from __future__ import annotations

from typing import Any

from core.errors import Conflict, InvalidInput, LiandongError


class HistoryPresent(Conflict):
    error_id = "history-present"


class BackupFailed(LiandongError):
    error_id = "backup-failed"


class RestoreRefused(InvalidInput):
    error_id = "restore-refused"


class BadLine(ValueError):
    """One input line cannot be classified; the message goes into its error object,
    with a stable ``error_id`` (not-utf8, not-json, not-an-object, empty-text,
    text-too-long, bad-hotline, bad-line)."""

    def __init__(self, message: str, contact_id: Any = None, *, error_id: str = "bad-line") -> None:
        super().__init__(message)
        self.contact_id = contact_id
        self.error_id = error_id

    def as_line(self, number: int) -> dict[str, Any]:
        return {
            "id": self.contact_id,
            "line": number,
            "error": str(self),
            "error_id": self.error_id,
        }
