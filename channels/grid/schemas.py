"""JSON shapes of the grid-worker API (R3)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from channels.citizen.schemas import GpsIn
from core.cases.schemas import MediaRef


class PatrolReportIn(BaseModel):
    """Something found on patrol (巡查上报): a hazard, a dispute, a broken lamp …"""

    model_config = ConfigDict(extra="forbid")
    report_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    text: str = Field(min_length=1, max_length=2000)
    photos: list[MediaRef] = Field(default_factory=list, max_length=9)
    location: GpsIn


class ReportOut(BaseModel):
    case_number: str
    duplicate: bool


class InstructionActIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(None, max_length=2000)
    photos: list[MediaRef] = Field(default_factory=list, max_length=9)


class InstructionActOut(BaseModel):
    case_number: str
    case_state: str
    version: int


class MediationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    record_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    parties: list[str] = Field(min_length=1, max_length=20)
    dispute: str = Field(min_length=1, max_length=2000)
    outcome: Literal["resolved", "pending", "escalated"]
    agreement: str | None = Field(None, max_length=4000)
    location: GpsIn | None = None


class MediationOut(BaseModel):
    id: int
    grid_id: int
    outcome: str
    case_number: str | None  # set when escalated to the township center
    created_at: datetime


class EscalationIn(BaseModel):
    """Escalate to the township center (提请乡镇综治中心): a new matter, or an
    instruction the grid cannot finish (returned with the reason)."""

    model_config = ConfigDict(extra="forbid")
    report_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    text: str = Field(min_length=1, max_length=2000)
    case_number: str | None = Field(None, max_length=32)
    location: GpsIn | None = None
