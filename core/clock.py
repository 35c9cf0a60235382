"""The one clock: every service takes a ``Clock`` so tests can set the time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_clock() -> datetime:
    return datetime.now(UTC)
