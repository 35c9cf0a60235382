"""Storage: SQLAlchemy 2 (async) over SQLite (embedded default) or PostgreSQL."""

from core.storage.base import Base
from core.storage.engine import Database

__all__ = ["Base", "Database"]
