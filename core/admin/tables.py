"""The admin console's change history: one row per change, undone by a later row."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from core.storage.base import Base, BigId, utcnow


class AdminChangeRow(Base):
    __tablename__ = "admin_changes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # core.admin.models.ChangeKind
    target: Mapped[str] = mapped_column(String(100))
    before: Mapped[dict[str, Any]] = mapped_column(default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(default=dict)
    undoes: Mapped[int | None] = mapped_column(BigId)  # the change this one reverted

    __table_args__ = ({"sqlite_autoincrement": True},)
