"""JSON shapes of the set-top-box API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AlarmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # The box's own id for this press of the button: its retries reuse it.
    alarm_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    # The camera the household was watching when it pressed, if any (R4).
    camera_code: str | None = Field(None, max_length=32)
    note: str | None = Field(None, max_length=200)


class AlarmOut(BaseModel):
    case_number: str
    duplicate: bool
    household_address: str
    nearest_cameras: list[dict[str, Any]]
    message: str


class HeartbeatIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    firmware: str | None = Field(None, max_length=32)


class HeartbeatOut(BaseModel):
    ok: bool
    next_in_s: int


class DeviceFault(BaseModel):
    device_id: str
    fault: str
    fault_since: datetime
    last_seen_at: datetime | None
    household_address: str | None
    grid_id: int | None
