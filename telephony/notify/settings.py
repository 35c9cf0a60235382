"""Voice notice settings (``LIANDONG_TELEPHONY__NOTIFY__*``)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class VoiceNoticeSettings(BaseModel):
    # Off: the worker does not connect to ARI for notices; "voice" routes then fail
    # over to the next channel.
    enabled: bool = True
    # Its own Stasis application: the hotlines' app never sees these channels.
    app: str = Field("liandong-notify", pattern=r"^[a-z][a-z0-9_-]{1,31}$")
    caller_id: str = Field("110", max_length=32)
    ring_s: int = Field(30, ge=5, le=120)
    # After the text has been read: how long to wait for the key before reading again.
    digit_timeout_s: float = Field(6.0, gt=0)
    # How many times the text is read before the call counts as not acknowledged.
    rounds: int = Field(2, ge=1, le=5)
    speed: int = Field(160, ge=80, le=300)  # espeak-ng words per minute
