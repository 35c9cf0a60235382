"""IVR settings (``LIANDONG_IVR__*``), e.g. ``LIANDONG_IVR__OVERFLOW_BACKLOG=40``."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, Field


class Hours(StrEnum):
    always = "always"  # staffed day and night
    office = "office"  # staffed in the working-day calendar's office hours only


def _default_hours() -> dict[str, Hours]:
    # 12345 and 12315 are government/market-regulation lines staffed in office hours in
    # many cities; the linkage center itself answers 24 h. A site that staffs them at
    # night sets LIANDONG_IVR__HOURS='{"12345":"always","12315":"always"}'.
    return {"12345": Hours.office, "12315": Hours.office}


class IvrSettings(BaseModel):
    # Unset: the flows shipped in ivr/data/flows.yaml.
    flows_path: Path | None = None
    # Staffed hours per hotline with a menu; hotlines not named are always staffed.
    hours: dict[str, Hours] = Field(default_factory=_default_hours)
    # More cases than this waiting in the work queue: the caller hears the overflow
    # message and may book a call-back instead of waiting.
    overflow_backlog: int = Field(30, ge=0)
    # Case-number entry (DTMF): the date and sequence digits, ended by '#'.
    case_number_timeout_s: float = Field(10.0, gt=0)
    # Caller numbers are compared after removing these prefixes (+86 / 86 / 0086).
    strip_prefixes: tuple[str, ...] = ("+86", "0086", "86")
