"""Delivery settings (``LIANDONG_DELIVERY__*``)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class DeliverySettings(BaseModel):
    enabled: bool = True
    # Where people reach this platform: work messages carry an acknowledgement link
    # under it (``/channels/delivery/ack``).
    public_url: str = "http://127.0.0.1:8000"
    # The channels a staff notice (reminder, ladder step) tries, in this order; an
    # address is the person's phone (a WeCom user id is the mobile number, as WeCom's
    # "user/getuserid by mobile" maps it).
    staff_channels: list[str] = Field(default_factory=lambda: ["wecom", "sms", "voice"])
    # Tries on one route before a transient provider failure moves to the next route.
    attempts_per_route: int = Field(3, ge=1, le=10)
    backoff_s: float = Field(2.0, gt=0)
    backoff_max_s: float = Field(300.0, gt=0)
    # A notice that asks for acknowledgement and has none after this long goes to
    # the next channel (the escalation ladder's own clock runs on regardless).
    ack_timeout_s: float = Field(300.0, gt=0)
    # Quiet hours (local time, [start, end) hours, may wrap midnight): notices,
    # rating requests and reminders wait for the morning; replies the citizen is
    # waiting for, ladder steps and emergencies never wait.
    quiet_hours: tuple[int, int] | None = (22, 7)
    timezone: str = "Asia/Shanghai"
    # Rate limits, fixed windows in Redis: per address and per channel.
    per_recipient: int = Field(6, ge=1)
    per_recipient_window_s: int = Field(60, ge=1)
    per_channel_per_s: int = Field(50, ge=1)
    # A "sending" row untouched this long belonged to a worker that died mid-send.
    stuck_after_s: float = Field(180.0, gt=0)
    sweep_interval_s: float = Field(1.0, gt=0)
    # Deliveries worked at once per worker (a voice call holds one for a minute).
    concurrency: int = Field(8, ge=1, le=200)
    # Of those, sends through the vendors' blocking SDKs (SMS, WeCom, WeChat) at once:
    # they run in the process's default thread pool (6 threads on 2 cores), which the
    # SQLite intake commit needs too; an unreachable provider holds a thread for its
    # whole connect timeout.
    sdk_concurrency: int = Field(2, ge=1, le=32)
    stream_maxlen: int = Field(100_000, ge=1000)
