"""HTTP shapes of seat presence and the wallboard (``/api/v1/seats``,
``/api/v1/wallboard``). Fields are only ever added."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from core.cases.models import Hotline
from telephony.seats.models import STATE_LABELS, Seat


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SeatStateIn(_Body):
    state: Literal["ready", "not_ready", "signed_out"]
    # 示忙's reason: 休息, 培训, 用餐 … (ignored for the other states)
    reason: str = Field("", max_length=40)


class SkillsIn(_Body):
    hotlines: list[Hotline] = Field(min_length=1)
    channels: list[str] = Field(default_factory=list, max_length=10)
    level: int = Field(1, ge=1, le=5)


class SkillsPublic(BaseModel):
    username: str
    hotlines: list[str]
    channels: list[str]
    level: int


class SeatPublic(BaseModel):
    seat: str
    state: str
    label: str  # 就绪 / 示忙 / 话后处理 / 通话中 / 签出
    user: str | None
    reason: str
    since: float  # epoch seconds
    call: str | None  # the call it rings or talks to
    hotlines: list[str]
    level: int
    wrap_up_until: float | None = None

    @classmethod
    def of(cls, seat: Seat) -> SeatPublic:
        return cls(
            seat=seat.name,
            state=seat.state.value,
            label=STATE_LABELS[seat.state],
            user=seat.user or None,
            reason=seat.reason,
            since=seat.since,
            call=seat.call or None,
            hotlines=list(seat.hotlines),
            level=seat.level,
            wrap_up_until=seat.until or None,
        )


class WallboardPublic(BaseModel):
    """The big screen's call-handling figures. Rates are 0..1 of the calls that
    arrived in the window and are over (answered or abandoned); None with no calls."""

    window_s: int
    calls_waiting: int
    longest_wait_s: float
    agents: dict[str, int]  # seat state → seats
    offered: int
    answered: int
    abandoned: int
    service_level_15s: float | None  # answered within 15 s / offered
    answered_10s: float | None
    answered_20s: float | None
    abandon_rate: float | None
    abandoned_5s: int  # hung up within 5 s (often a misdial): counted apart
    asa_s: float | None  # average speed of answer
    aht_s: float | None  # average handle time: talk + wrap-up
    talk_s: float | None
    wrap_up_s: float | None  # average wrap-up period
    per_agent: list[dict[str, float | int | str]]
