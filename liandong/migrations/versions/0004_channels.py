"""channels: citizen identities, channel media, outbound messages with delivery
status, set-top boxes, cursors and grid mediation records.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _ts(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "citizen_identities",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("external_id", sa.String(128), nullable=False),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("verified", sa.Boolean(), nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizen_identities")),
        sa.UniqueConstraint("channel", "external_id", name="uq_citizen_ext"),
    )
    op.create_index(
        op.f("ix_citizen_identities_phone"), "citizen_identities", ["phone"], unique=False
    )

    op.create_table(
        "channel_media",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("vendor_media_id", sa.String(256), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("contact_id", BigId, nullable=False),
        sa.Column("case_number", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(300), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("content_type", sa.String(64), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(300), nullable=True),
        _ts("created_at"),
        _ts("updated_at"),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_channel_media_contact_id_contacts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_media")),
        sa.UniqueConstraint("channel", "vendor_media_id", name="uq_channel_media"),
    )
    op.create_index(op.f("ix_channel_media_contact_id"), "channel_media", ["contact_id"])
    op.create_index(op.f("ix_channel_media_status"), "channel_media", ["status"])

    op.create_table(
        "outbound_messages",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(128), nullable=False),
        sa.Column("case_number", sa.String(32), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.String(128), nullable=True),
        sa.Column("parts", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(300), nullable=True),
        sa.Column("dedupe_key", sa.String(128), nullable=True),
        _ts("created_at"),
        _ts("updated_at"),
        _ts("delivered_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_messages")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbound_messages_dedupe_key")),
    )
    op.create_index(op.f("ix_outbound_messages_case_number"), "outbound_messages", ["case_number"])
    op.create_index("ix_outbound_status_id", "outbound_messages", ["status", "id"])
    op.create_index("ix_outbound_vendor", "outbound_messages", ["channel", "vendor_id"])

    op.create_table(
        "stb_devices",
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("key_version", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        _ts("registered_at"),
        _ts("last_seen_at", nullable=True),
        sa.Column("firmware", sa.String(32), nullable=True),
        sa.Column("fault", sa.String(32), nullable=True),
        _ts("fault_since", nullable=True),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_stb_devices")),
    )
    op.create_index(op.f("ix_stb_devices_last_seen_at"), "stb_devices", ["last_seen_at"])

    op.create_table(
        "channel_cursors",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.String(128), nullable=False),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_channel_cursors")),
    )

    op.create_table(
        "grid_mediations",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("grid_id", BigId, nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("record_key", sa.String(128), nullable=False),
        sa.Column("parties", sa.JSON(), nullable=False),
        sa.Column("dispute", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("agreement", sa.Text(), nullable=True),
        sa.Column("case_number", sa.String(32), nullable=True),
        _ts("created_at"),
        sa.ForeignKeyConstraint(
            ["grid_id"], ["units.id"], name=op.f("fk_grid_mediations_grid_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grid_mediations")),
        sa.UniqueConstraint("record_key", name=op.f("uq_grid_mediations_record_key")),
    )
    op.create_index(op.f("ix_grid_mediations_grid_id"), "grid_mediations", ["grid_id"])
    op.create_index(op.f("ix_grid_mediations_case_number"), "grid_mediations", ["case_number"])


def downgrade() -> None:
    for table in (
        "grid_mediations",
        "channel_cursors",
        "stb_devices",
        "outbound_messages",
        "channel_media",
        "citizen_identities",
    ):
        op.drop_table(table)
