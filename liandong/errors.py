"""The shell's errors.

    LiandongError
    └── Conflict (409)
        └── HistoryPresent             409 history-present (the database has its year)

``BadLine`` is ``liandong classify``'s: one input line that cannot be classified; it
becomes that line's error object in the output, the run goes on.
"""

from __future__ import annotations

from typing import Any

from core.errors import Conflict


class HistoryPresent(Conflict):
    error_id = "history-present"


class BadLine(ValueError):
    """One input line cannot be classified; the message goes into its error object."""

    def __init__(self, message: str, contact_id: Any = None) -> None:
        super().__init__(message)
        self.contact_id = contact_id
