"""ORM tables of the ASR context (migration 0006_asr).

One row per transcription job. ``job_id`` is the primary key, so a re-delivered job
(re-claimed after a worker died, or XADDed twice) cannot land twice: the row and the
contact's transcript are written in one transaction that starts by inserting it.
Live calls use the job id ``live:<channel id>`` and grow their row as finals arrive.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.storage.base import Base, BigId, utcnow


class TranscriptRow(Base):
    __tablename__ = "asr_transcripts"

    job_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    contact_id: Mapped[int] = mapped_column(BigId, ForeignKey("contacts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # call_recording | voice_message | live_call
    status: Mapped[str] = mapped_column(String(12))  # live | done | failed
    language: Mapped[str] = mapped_column(String(8))
    path: Mapped[str | None] = mapped_column(String(500))
    model: Mapped[str | None] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text, default="")
    # [{"word", "start", "end", "conf"}, ...]; times in seconds from the audio's start.
    words: Mapped[list[Any]] = mapped_column(default=list)
    duration_s: Mapped[float | None]
    rtf: Mapped[float | None]
    error_id: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(String(300))
    deliveries: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
