"""The harassment blocklist (migration 0008_ivr): numbers call takers flagged.

A blocklisted caller is still answered - 110 must never refuse a call - but the
lookup script flags the channel (LIANDONG_BLOCKLISTED=1) so a site's dialplan or the
call taker can treat the call accordingly. Entries may expire.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from core.storage.base import Base, BigId, utcnow


class CallerBlocklistRow(Base):
    __tablename__ = "caller_blocklist"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    reason: Mapped[str] = mapped_column(String(200))
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(index=True)
