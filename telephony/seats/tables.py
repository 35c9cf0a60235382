"""Seat presence's tables (migration 0009_seats).

``seat_events``: every state change of a seat (the wallboard's ready / not-ready /
wrap-up times are folded from it). ``call_taker_skills``: which hotlines a call taker
takes, and a level; no row = every hotline. ``call_outcomes``: one row per hotline call
when it ends - when it arrived, when a seat answered, when the seat left it - the
figures' source (service level, ASA, abandon rate, handle time).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.storage.base import Base, BigId


class SeatEventRow(Base):
    __tablename__ = "seat_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    seat: Mapped[str] = mapped_column(String(16), index=True)
    username: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(40), default="")
    call: Mapped[str] = mapped_column(String(80), default="")
    at: Mapped[datetime] = mapped_column(index=True)


class CallTakerSkillRow(Base):
    __tablename__ = "call_taker_skills"

    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id"), primary_key=True, autoincrement=False
    )
    hotlines: Mapped[list[Any]] = mapped_column()
    channels: Mapped[list[Any]] = mapped_column()
    level: Mapped[int] = mapped_column(Integer, default=1)


class CallOutcomeRow(Base):
    __tablename__ = "call_outcomes"

    channel_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    hotline: Mapped[str] = mapped_column(String(8))
    arrived_at: Mapped[datetime] = mapped_column(index=True)
    answered_at: Mapped[datetime | None] = mapped_column()
    released_at: Mapped[datetime | None] = mapped_column()  # the seat left the call
    ended_at: Mapped[datetime] = mapped_column()
    seat: Mapped[str | None] = mapped_column(String(16))
    username: Mapped[str | None] = mapped_column(String(64))
