"""Pure rules of citizen feedback (R10): the reopen hold, the survey's calling window
and the follow-up sample. No I/O here. The rating vocabulary itself (stages, ratings,
reading a reply) is the core's: ``core.ratings.models``."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


# --- the reopen rule ------------------------------------------------------------------
class HoldState(StrEnum):
    pending = "pending"  # 不满意 recorded; reopens at due_at unless overruled
    reopened = "reopened"  # 重办: sent back to the same unit with the shorter deadline
    overruled = "overruled"  # a supervisor closed it with a recorded reason
    void = "void"  # the case had already moved on (sent back by hand, merged)


def reopen_due(rated_at: datetime, hold: timedelta) -> datetime:
    """不满意 reopens the case ``hold`` after the rating. The hold is the supervisor's
    window to overrule (e.g. the complaint is about the law, not the unit's work);
    after it the case goes back to the same unit without anyone having to act."""
    return rated_at + hold


def may_overrule(state: HoldState, now: datetime, due_at: datetime) -> bool:
    return state is HoldState.pending and now < due_at


# --- when citizens may be called -------------------------------------------------------
def call_window(t: datetime, tz: ZoneInfo, hours: tuple[int, int]) -> datetime:
    """``t`` if it falls in the local calling hours [start, end), else the next start:
    a survey about last night's case waits for the morning."""
    start, end = hours
    local = t.astimezone(tz)
    if start <= local.hour < end:
        return t
    day = local.date() if local.hour < start else local.date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, start, tzinfo=tz).astimezone(t.tzinfo)


# --- the follow-up sample (R10) -------------------------------------------------------
def sample_key(seed: int, period: str, case_number: str) -> str:
    """A case's place in the period's sample order: a keyed hash, so the sample is
    deterministic for a seed, cannot be steered by choosing case numbers, and a case
    closed late enters at its own place without reshuffling the rest."""
    return hashlib.sha256(f"{seed}:{period}:{case_number}".encode()).hexdigest()


def sample_size(population: int, share: float) -> int:
    """At least one case when there are any: a month is never left unsampled."""
    if population <= 0:
        return 0
    return max(1, round(population * share))
