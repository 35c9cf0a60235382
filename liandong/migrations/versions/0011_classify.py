"""classify: call takers' corrections as labelled examples, each case's location
precision and named places, possible duplicates (可能重复) (issue 17).

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _ts(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "classify_corrections",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("case_id", BigId, nullable=False),
        sa.Column("contact_id", BigId, nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("hotline", sa.String(8), nullable=True),
        sa.Column("suggested", sa.JSON(), nullable=False),
        sa.Column("category", sa.String(16), nullable=True),
        sa.Column("subtype", sa.String(32), nullable=True),
        sa.Column("emergency", sa.Boolean(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Boolean(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        _ts("at"),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_classify_corrections_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_classify_corrections_contact_id_contacts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_classify_corrections")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_classify_corrections_case_id"), "classify_corrections", ["case_id"])
    op.create_index(op.f("ix_classify_corrections_at"), "classify_corrections", ["at"])

    op.create_table(
        "case_locations",
        sa.Column("case_id", BigId, nullable=False),
        sa.Column("precision", sa.String(16), nullable=False),
        sa.Column("uncertainty_m", sa.Float(), nullable=False),
        sa.Column("places", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_locations_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_locations")),
    )

    op.create_table(
        "case_links",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("case_id", BigId, nullable=False),
        sa.Column("other_id", BigId, nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("reason", sa.String(300), nullable=False),
        sa.Column("distance_m", sa.Float(), nullable=True),
        _ts("created_at"),
        _ts("dismissed_at", nullable=True),
        sa.Column("dismissed_by", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_links_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["other_id"], ["cases.id"], name=op.f("fk_case_links_other_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_links")),
        sa.UniqueConstraint("case_id", "other_id", "kind", name="uq_case_links_pair"),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_case_links_case_id"), "case_links", ["case_id"])
    op.create_index(op.f("ix_case_links_other_id"), "case_links", ["other_id"])
    op.create_index("ix_case_links_open", "case_links", ["case_id", "dismissed_at"])


def downgrade() -> None:
    op.drop_table("case_links")
    op.drop_table("case_locations")
    op.drop_table("classify_corrections")
