"""ivr / FastAGI: the harassment blocklist the lookup script checks.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "caller_blocklist",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_caller_blocklist")),
        sa.UniqueConstraint("number", name=op.f("uq_caller_blocklist_number")),
    )
    op.create_index(
        op.f("ix_caller_blocklist_expires_at"), "caller_blocklist", ["expires_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_caller_blocklist_expires_at"), table_name="caller_blocklist")
    op.drop_table("caller_blocklist")
