"""API shapes of the admin console."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from core.auth.models import Role


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(pattern=r"^[a-z][a-z0-9_.-]{2,63}$")
    display_name: str = Field(min_length=1, max_length=64)
    role: Role
    unit_id: int | None = None
    password: str = Field(min_length=8, max_length=200)


class PasswordReset(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: str = Field(min_length=8, max_length=200)


class RosterSet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unit_id: int
    day: date = Field(description="the duty day (it starts at the 08:00 handover)")
    person_id: int


class LimitsSet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ack: str = Field(max_length=32, examples=["30 minutes"])
    done: str = Field(max_length=32, examples=["5 working_days"])


class ChangePublic(BaseModel):
    id: int
    at: str
    actor: str
    kind: str
    target: str
    before: dict[str, Any]
    after: dict[str, Any]
    undoes: int | None
    undoable: bool
