"""HTTP shapes of call control (``/api/v1/calls``). The agent desktop is built against
these: fields are only ever added."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from telephony.calls.state import Call


class CallPublic(BaseModel):
    channel_id: str
    contact_id: int | None
    case_number: str | None
    hotline: str
    caller: str  # masked (138****5678) without phones:full
    state: str
    waiting_s: float  # since the call arrived
    seat: str | None
    peer: str | None  # transfer / conference target
    # Added after the first contract:
    direction: str = "in"  # "out" for a call-back
    mode: str | None = None  # transfer mode
    event: str = ""  # what caused the last change

    @classmethod
    def of(cls, call: Call, *, now: float, caller: str) -> CallPublic:
        return cls(
            channel_id=call.channel_id,
            contact_id=call.contact_id,
            case_number=call.case_number,
            hotline=call.hotline,
            caller=caller,
            state=call.state.value,
            waiting_s=round(max(0.0, now - call.arrived_at), 1),
            seat=call.seat,
            peer=call.peer,
            direction=call.direction,
            mode=call.mode,
            event=call.event,
        )


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TakeIn(_Body):
    seat: str = Field(pattern=r"^seat[0-9]{2}$", examples=["seat01"])


class TransferIn(_Body):
    # police | fire | medical | another outbound trunk's name | a department's digits
    target: str = Field(min_length=2, max_length=31, pattern=r"^[a-z0-9][a-z0-9-]*$")
    mode: Literal["blind", "attended"] = "blind"


class ConferenceIn(_Body):
    target: str = Field(min_length=2, max_length=31, pattern=r"^[a-z0-9][a-z0-9-]*$")


class CallbackIn(_Body):
    contact_id: int = Field(ge=1)
    seat: str = Field(pattern=r"^seat[0-9]{2}$", examples=["seat01"])
