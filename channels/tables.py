"""ORM tables of the channels context (migration 0004_channels)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.storage.base import Base, BigId, utcnow


class CitizenIdentityRow(Base):
    """A citizen is one person across channels: a WeChat OpenID (or Weibo uid, app
    account) bound to a phone number, so 查询 and notices find all their cases."""

    __tablename__ = "citizen_identities"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    # True once proven (SMS code, app login); an unverified binding never reveals cases.
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_citizen_ext"),)


class OutboundMessageRow(Base):
    """Every message we send a citizen (WeChat custom/template, SMS), with delivery
    status. Status only moves forward: queued → sending → sent → failed | delivered;
    a late or repeated receipt never moves it back."""

    __tablename__ = "outbound_messages"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))  # text | template | sms
    recipient: Mapped[str] = mapped_column(String(128))
    case_number: Mapped[str | None] = mapped_column(String(32), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    vendor_id: Mapped[str | None] = mapped_column(String(128))
    parts: Mapped[int | None] = mapped_column(Integer)  # SMS segments billed
    last_error: Mapped[str | None] = mapped_column(String(300))
    # Makes enqueueing idempotent (e.g. "complete:QX-…:sms"): one notice per event.
    dedupe_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_outbound_status_id", "status", "id"),
        Index("ix_outbound_vendor", "channel", "vendor_id"),
    )


class StbDeviceRow(Base):
    """A TV set-top box with the one-click alarm (R4). The household it belongs to is
    ``households.stb_device_id``; the device's HMAC key is derived from the
    platform's STB master secret and ``key_version`` (rotate by bumping it)."""

    __tablename__ = "stb_devices"

    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    key_version: Mapped[int] = mapped_column(Integer, default=1)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(index=True)
    firmware: Mapped[str | None] = mapped_column(String(32))
    # Set by the heartbeat supervisor when the device falls silent; cleared by
    # the next heartbeat.
    fault: Mapped[str | None] = mapped_column(String(32))
    fault_since: Mapped[datetime | None]


class ChannelCursorRow(Base):
    """Persisted read positions (Weibo since_id per feed, the notice watcher's
    last case event), so a restart neither loses nor repeats."""

    __tablename__ = "channel_cursors"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class MediationRow(Base):
    """A grid worker's dispute mediation record (矛盾纠纷调解, R3)."""

    __tablename__ = "grid_mediations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    recorded_by: Mapped[str] = mapped_column(String(64))
    # "<username>:<record_id>": the app's retry of one record is not a second record.
    record_key: Mapped[str] = mapped_column(String(128), unique=True)
    parties: Mapped[list[Any]] = mapped_column(default=list)
    dispute: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(16))  # resolved | pending | escalated
    agreement: Mapped[str | None] = mapped_column(Text)
    case_number: Mapped[str | None] = mapped_column(String(32), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
