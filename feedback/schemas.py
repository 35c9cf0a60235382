"""API shapes of the feedback routes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from core.ratings.models import Stage


class OverruleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=2, max_length=2000)


class HoldOut(BaseModel):
    id: int
    state: str
    due_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    reason: str | None


class RatingOut(BaseModel):
    stage: str
    rating: int
    source: str
    rated_at: datetime
    unit_id: int | None


class CaseFeedbackOut(BaseModel):
    number: str
    ratings: list[RatingOut]
    holds: list[HoldOut]


class SampleOut(BaseModel):
    id: int
    period: str
    case_number: str
    state: str
    done_at: datetime | None
    staff: str | None
    note: str | None


class SampleResultIn(BaseModel):
    """What the citizen said on the follow-up call; ``reached`` false records that
    nobody answered (the sample keeps the case; it is not replaced)."""

    model_config = ConfigDict(extra="forbid")
    reached: bool = True
    ratings: dict[Stage, int] = Field(default_factory=dict)
    note: str | None = Field(None, max_length=2000)
