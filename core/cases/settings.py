"""Case settings (``LIANDONG_CASES__*``): numbering, time zone, default deadlines."""

from __future__ import annotations

from pydantic import BaseModel, Field


class CaseSettings(BaseModel):
    number_prefix: str = Field("QX", pattern=r"^[A-Z]{2,6}$")
    timezone: str = "Asia/Shanghai"
    # Default deadlines by priority 1..4 when the duty catalogue (R6) names none:
    # minutes to acknowledge (签收) and hours to complete (办结).
    ack_minutes: tuple[int, int, int, int] = (5, 15, 30, 120)
    done_hours: tuple[float, float, float, float] = (1, 4, 24, 72)
    # A reopened case (重办) gets this share of the normal completion time.
    reopen_deadline_factor: float = Field(0.5, gt=0, le=1)
