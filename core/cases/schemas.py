"""API shapes for contacts and cases (separate Create / Public models)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class LocationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    source: str = "manual"
    accuracy_m: float | None = Field(None, ge=0)
    address: str | None = Field(None, max_length=200)


class MediaRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(pattern=r"^(image|audio|video|file)$")
    url: str = Field(max_length=500)
    sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")


class ContactCreate(BaseModel):
    """One inbound touch. ``channel`` and ``hotline`` are plain strings here so that an
    unknown value gets its own error id (unknown-channel / unknown-hotline)."""

    model_config = ConfigDict(extra="forbid")
    channel: str = Field(max_length=16)
    sender: str = Field(min_length=1, max_length=128)
    sender_name: str | None = Field(None, max_length=64)
    text: str = Field("", max_length=20_000)
    hotline: str | None = Field(None, max_length=8)
    location: LocationIn | None = None
    media: list[MediaRef] = Field(default_factory=list, max_length=20)
    live: bool = False
    idempotency_key: str | None = Field(None, min_length=1, max_length=128)


class ContactCreated(BaseModel):
    contact_id: int
    case_number: str


class LocationOut(BaseModel):
    lat: float
    lon: float
    source: str | None
    address: str | None = None


class ContactPublic(BaseModel):
    id: int
    channel: str
    hotline: str | None
    sender: str
    text: str
    transcript: str | None
    received_at: datetime
    location: LocationOut | None


class InstructionPublic(BaseModel):
    id: int
    unit_id: int
    unit_name: str | None
    role: str
    state: str
    sent_at: datetime
    ack_deadline: datetime
    done_deadline: datetime
    acknowledged_at: datetime | None
    completed_at: datetime | None
    reason: str | None


class CasePublic(BaseModel):
    number: str
    state: str
    state_label: str
    category: str | None
    subtype: str | None
    emergency: bool
    priority: int
    summary: str
    location: LocationOut | None
    township_id: int | None
    grid_id: int | None
    reopen_count: int
    merged_into: str | None
    taken_by: str | None
    created_at: datetime
    updated_at: datetime
    version: int
    allowed_actions: list[str]
    contacts: list[ContactPublic]
    instructions: list[InstructionPublic]


class CaseEventPublic(BaseModel):
    seq: int
    at: datetime
    actor: str
    action: str
    before: dict[str, Any]
    after: dict[str, Any]
    data: dict[str, Any]


class CaseActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str | None = Field(None, max_length=2000)
    note: str | None = Field(None, max_length=5000)
    lead_unit_id: int | None = None
    assist_unit_ids: list[int] = Field(default_factory=list, max_length=20)
    unit_id: int | None = None  # the acting unit for acknowledge/start/complete/return
    into: str | None = None  # target case number for merge
    category: str | None = None
    subtype: str | None = Field(None, max_length=32)
    priority: int | None = Field(None, ge=1, le=4)
    emergency: bool | None = None
    rating: int | None = Field(None, ge=1, le=3)  # 1 满意 2 基本满意 3 不满意
    expected_version: int | None = None
