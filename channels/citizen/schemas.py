"""JSON shapes of the citizen app API (called by the app's backend with a channel
service account; the app itself verifies the citizen's phone by SMS login)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from core.cases.schemas import MediaRef

PHONE = r"^1\d{10}$"


class GpsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    accuracy_m: float | None = Field(None, ge=0, le=100_000)
    address: str | None = Field(None, max_length=200)


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    report_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    phone: str = Field(pattern=PHONE)
    name: str | None = Field(None, max_length=64)
    text: str = Field("", max_length=2000)
    photos: list[MediaRef] = Field(default_factory=list, max_length=9)
    location: GpsIn | None = None


class ReportOut(BaseModel):
    case_number: str
    duplicate: bool
    message: str


class CaseStatusOut(BaseModel):
    number: str
    state: str
    state_label: str
    text: str


class EvaluationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phone: str = Field(pattern=PHONE)
    rating: int = Field(ge=1, le=3)  # 1 满意 2 基本满意 3 不满意
    comment: str | None = Field(None, max_length=500)
    # Optional ratings of the four stages R10 analyses (受理、处置、反馈、结案).
    stages: dict[Literal["accept", "handle", "feedback", "close"], Literal[1, 2, 3]] = Field(
        default_factory=dict
    )


class EvaluationOut(BaseModel):
    accepted: bool
    message: str


class IdentityCodeIn(BaseModel):
    """Ask for a binding code: the app proved the OpenID (WeChat login); the phone is
    proven by the code sent to it."""

    model_config = ConfigDict(extra="forbid")
    channel: str = Field(pattern=r"^(wechat|weibo)$")
    external_id: str = Field(min_length=1, max_length=128)
    phone: str = Field(pattern=PHONE)


class IdentityIn(IdentityCodeIn):
    """Redeem the code; ``replace`` re-binds an identity bound to another phone."""

    code: str = Field(pattern=r"^\d{6}$")
    replace: bool = False
