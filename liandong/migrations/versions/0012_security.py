"""security: tamper-evident logs (issue 14).

Adds ``prev_hash``/``hash`` to the case log and the audit log and seals the rows
already there (the append-only triggers are lifted for that one backfill, inside
this migration's transaction), adds the daily anchors table (append-only too), and
on PostgreSQL refuses TRUNCATE of all three — a statement trigger, since the row
triggers of 0002 never fire for TRUNCATE.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from core.storage.base import UTCDateTime
from core.storage.chain import GENESIS, audit_fields, event_fields, link

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LOGS = ("case_events", "audit_log")
ALL = (*LOGS, "log_anchors")


def _lift(dialect: str, table: str, on: bool) -> None:
    """Disable (on=False) or restore the append-only triggers of one table."""
    if dialect == "postgresql":
        op.execute(
            f"ALTER TABLE {table} {'ENABLE' if on else 'DISABLE'} TRIGGER {table}_append_only"
        )
        return
    for verb in ("update", "delete"):
        if on:
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb} BEFORE {verb.upper()} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")


def _seal(conn: Any, table: str) -> None:
    json = sa.JSON()
    cols = {
        "case_events": ["case_id", "seq", "actor", "action"],
        "audit_log": ["actor", "action", "target", "address"],
    }[table]
    blobs = ["before", "after", "data"] if table == "case_events" else ["details"]
    t = sa.table(
        table,
        sa.column("id", sa.BigInteger()),
        sa.column("at", UTCDateTime()),
        sa.column("prev_hash", sa.String()),
        sa.column("hash", sa.String()),
        *[sa.column(c) for c in cols],
        *[sa.column(b, json) for b in blobs],
    )
    order = [t.c.case_id, t.c.seq] if table == "case_events" else [t.c.id]
    last: dict[Any, str] = {}
    updates: list[dict[str, Any]] = []
    for row in conn.execute(sa.select(t).order_by(*order)).mappings():
        chain = row["case_id"] if table == "case_events" else None
        prev = last.get(chain, GENESIS)
        fields = event_fields(row) if table == "case_events" else audit_fields(row)
        h = last[chain] = link(prev, fields)
        updates.append({"rid": row["id"], "p": prev, "h": h})
        if len(updates) >= 5000:
            _flush(conn, t, updates)
    _flush(conn, t, updates)


def _flush(conn: Any, t: Any, updates: list[dict[str, Any]]) -> None:
    if updates:
        conn.execute(
            t.update()
            .where(t.c.id == sa.bindparam("rid"))
            .values(prev_hash=sa.bindparam("p"), hash=sa.bindparam("h")),
            updates,
        )
        updates.clear()


def upgrade() -> None:
    conn = op.get_bind()
    dialect = conn.dialect.name
    for table in LOGS:
        op.add_column(table, sa.Column("prev_hash", sa.String(length=64), nullable=True))
        op.add_column(table, sa.Column("hash", sa.String(length=64), nullable=True))
        _lift(dialect, table, on=False)
        _seal(conn, table)
        _lift(dialect, table, on=True)
    op.create_table(
        "log_anchors",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("log", sa.String(length=16), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_anchors")),
        sa.UniqueConstraint("log", "day", name="uq_log_anchors_log_day"),
        sqlite_autoincrement=True,
    )
    if dialect == "postgresql":
        op.execute(
            "CREATE TRIGGER log_anchors_append_only BEFORE UPDATE OR DELETE ON log_anchors "
            "FOR EACH ROW EXECUTE FUNCTION liandong_append_only()"
        )
        for table in ALL:
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION liandong_append_only()"
            )
    else:
        _lift(dialect, "log_anchors", on=True)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for table in ALL:
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
        op.execute("DROP TRIGGER log_anchors_append_only ON log_anchors")
    else:
        _lift(dialect, "log_anchors", on=False)
    op.drop_table("log_anchors")
    for table in LOGS:
        _lift(dialect, table, on=False)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("hash")
            batch.drop_column("prev_hash")
        _lift(dialect, table, on=True)
