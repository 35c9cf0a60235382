"""Alembic environment. Migrations always run on a connection handed in by
``liandong.migrate`` (which owns the async engine), so there is one way in."""

from __future__ import annotations

from alembic import context

from liandong.registry import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `liandong db upgrade`, not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
