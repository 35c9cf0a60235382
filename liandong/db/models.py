"""Imports every context's tables so ``Base.metadata`` is complete (Alembic, tests)."""

from liandong.auth import tables as auth_tables
from liandong.cases import tables as case_tables
from liandong.db.base import Base
from liandong.orgmap import tables as orgmap_tables
from liandong.queue import tables as queue_tables

metadata = Base.metadata

__all__ = ["auth_tables", "case_tables", "metadata", "orgmap_tables", "queue_tables"]
