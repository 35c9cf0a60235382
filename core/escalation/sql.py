"""Dialect helpers: the one place that knows SQLite and PostgreSQL spell things apart."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite


def insert_ignoring(table: Any, dialect: str, *columns: str) -> Any:
    """``INSERT ... ON CONFLICT (columns) DO NOTHING`` for either backend."""
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=list(columns))
    return sqlite.insert(table).on_conflict_do_nothing(index_elements=list(columns))
