"""asr: transcripts of calls and voice messages, one row per job (exactly once).

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _ts(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "asr_transcripts",
        sa.Column("job_id", sa.String(128), nullable=False),
        sa.Column("contact_id", BigId, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("path", sa.String(500), nullable=True),
        sa.Column("model", sa.String(100), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("words", sa.JSON(), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("rtf", sa.Float(), nullable=True),
        sa.Column("error_id", sa.String(64), nullable=True),
        sa.Column("error", sa.String(300), nullable=True),
        sa.Column("deliveries", sa.Integer(), nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_asr_transcripts_contact_id_contacts")
        ),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_asr_transcripts")),
    )
    op.create_index(op.f("ix_asr_transcripts_contact_id"), "asr_transcripts", ["contact_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_asr_transcripts_contact_id"), table_name="asr_transcripts")
    op.drop_table("asr_transcripts")
