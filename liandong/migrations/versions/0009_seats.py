"""seats: seat presence, call distribution, the supervisor seat (issue 16).

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "seat_events",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("seat", sa.String(16), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("call", sa.String(80), nullable=False),
        sa.Column("at", When, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seat_events")),
    )
    op.create_index(op.f("ix_seat_events_seat"), "seat_events", ["seat"], unique=False)
    op.create_index(op.f("ix_seat_events_at"), "seat_events", ["at"], unique=False)
    op.create_table(
        "call_taker_skills",
        sa.Column("user_id", BigId, autoincrement=False, nullable=False),
        sa.Column("hotlines", sa.JSON(), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_call_taker_skills_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_call_taker_skills")),
    )
    op.create_table(
        "call_outcomes",
        sa.Column("channel_id", sa.String(80), nullable=False),
        sa.Column("hotline", sa.String(8), nullable=False),
        sa.Column("arrived_at", When, nullable=False),
        sa.Column("answered_at", When, nullable=True),
        sa.Column("released_at", When, nullable=True),
        sa.Column("ended_at", When, nullable=False),
        sa.Column("seat", sa.String(16), nullable=True),
        sa.Column("username", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("channel_id", name=op.f("pk_call_outcomes")),
    )
    op.create_index(
        op.f("ix_call_outcomes_arrived_at"), "call_outcomes", ["arrived_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_call_outcomes_arrived_at"), table_name="call_outcomes")
    op.drop_table("call_outcomes")
    op.drop_table("call_taker_skills")
    op.drop_index(op.f("ix_seat_events_at"), table_name="seat_events")
    op.drop_index(op.f("ix_seat_events_seat"), table_name="seat_events")
    op.drop_table("seat_events")
