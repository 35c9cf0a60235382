"""Storage settings (``LIANDONG_DATABASE__*``)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class DatabaseSettings(BaseModel):
    # SQLite is the embedded default; production points this at PostgreSQL, e.g.
    # postgresql+asyncpg://liandong:secret@db.example/liandong
    url: str = "sqlite+aiosqlite:///var/liandong.db"
    pool_size: int = Field(10, ge=1, le=200)
    echo: bool = False
