"""delivery: outbound delivery and acknowledgements (issue 13): ``deliveries`` (one
row per message, its own outbox record) and ``delivery_attempts``.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_DUE = sa.text("next_attempt_at IS NOT NULL")


def _ts(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("case_id", BigId, nullable=True),
        sa.Column("case_number", sa.String(32), nullable=True),
        sa.Column("instruction_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(64), nullable=False),
        sa.Column("recipient_name", sa.String(64), nullable=False),
        sa.Column("routes", sa.JSON(), nullable=False),
        sa.Column("route_index", sa.Integer(), nullable=False),
        sa.Column("route_attempts", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("requires_ack", sa.Boolean(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        _ts("next_attempt_at", nullable=True),
        sa.Column("provider", sa.String(24), nullable=True),
        sa.Column("vendor_id", sa.String(96), nullable=True),
        sa.Column("last_error", sa.String(300), nullable=True),
        _ts("sent_at", nullable=True),
        _ts("acknowledged_at", nullable=True),
        sa.Column("acknowledged_via", sa.String(16), nullable=True),
        _ts("created_at"),
        _ts("updated_at"),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_deliveries_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint("key", name=op.f("uq_deliveries_key")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_deliveries_case_id"), "deliveries", ["case_id"])
    op.create_index(op.f("ix_deliveries_state"), "deliveries", ["state"])
    op.create_index("ix_deliveries_case_number", "deliveries", ["case_number"])
    op.create_index(
        "ix_deliveries_due",
        "deliveries",
        ["next_attempt_at"],
        postgresql_where=_DUE,
        sqlite_where=_DUE,
    )
    op.create_table(
        "delivery_attempts",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("delivery_id", BigId, nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("provider", sa.String(24), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("error", sa.String(300), nullable=True),
        _ts("at"),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["deliveries.id"],
            name=op.f("fk_delivery_attempts_delivery_id_deliveries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_attempts")),
    )
    op.create_index(op.f("ix_delivery_attempts_delivery_id"), "delivery_attempts", ["delivery_id"])


def downgrade() -> None:
    op.drop_table("delivery_attempts")
    op.drop_table("deliveries")
