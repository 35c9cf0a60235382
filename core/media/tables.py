"""ORM table of the media that come with contacts (created by migration 0004_channels):
voice messages, images and video a citizen sent on a channel. Channels fetch them;
the ASR worker transcribes the voice ones."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.cases import tables as _cases  # noqa: F401 - contacts must be in the metadata
from core.storage.base import Base, BigId, utcnow


class ChannelMediaRow(Base):
    """A media item received on a channel, fetched after the reply (heavy work):
    images are kept as evidence, voice without WeChat's recognition goes to asr/."""

    __tablename__ = "channel_media"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    vendor_media_id: Mapped[str] = mapped_column(String(256))
    kind: Mapped[str] = mapped_column(String(8))  # image | audio | video
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    case_number: Mapped[str] = mapped_column(String(32))
    # pending → fetched (→ asr_pending for audio) | failed
    status: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    path: Mapped[str | None] = mapped_column(String(300))
    sha256: Mapped[str | None] = mapped_column(String(64))
    content_type: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("channel", "vendor_media_id", name="uq_channel_media"),)
