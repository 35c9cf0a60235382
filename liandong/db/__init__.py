"""Storage: SQLAlchemy 2 (async) over SQLite (embedded default) or PostgreSQL."""

from liandong.db.base import Base
from liandong.db.engine import Database

__all__ = ["Base", "Database"]
