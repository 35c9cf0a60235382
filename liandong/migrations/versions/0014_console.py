"""console: text search over contacts for the case search, and what the admin console
changes without a restart — duty overrides, catalogue limits, the change history (issue 15).

SQLite: an FTS5 index with the trigram tokenizer over ``contacts.text`` and
``contacts.transcript`` (external content, kept by triggers). Chinese has no spaces
between words, so a word tokenizer would index whole sentences as one token; trigrams
find any fragment of three characters or more (shorter fragments fall back to LIKE).
PostgreSQL: pg_trgm GIN indexes on the same two columns, which serve ``ILIKE
'%fragment%'`` (pg_trgm hashes multibyte characters, so Chinese works in C.UTF-8).

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FTS_ROW = "(rowid, text, transcript) VALUES ({p}.id, {p}.text, coalesce({p}.transcript, ''))"
_FTS_DELETE = (
    "INSERT INTO contacts_fts(contacts_fts, rowid, text, transcript) "
    "VALUES ('delete', old.id, old.text, coalesce(old.transcript, ''))"
)


BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _ts(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _admin_tables() -> None:
    op.create_table(
        "duty_overrides",
        sa.Column("unit_id", BigId, nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("person_id", BigId, nullable=False),
        sa.Column("changed_by", sa.String(64), nullable=False),
        _ts("changed_at"),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_duty_overrides_unit_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_duty_overrides_person_id_people")
        ),
        sa.PrimaryKeyConstraint("unit_id", "day", name=op.f("pk_duty_overrides")),
    )
    op.create_table(
        "catalogue_overrides",
        sa.Column("rule_id", sa.String(48), nullable=False),
        sa.Column("ack", sa.String(32), nullable=False),
        sa.Column("done", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_by", sa.String(64), nullable=False),
        _ts("changed_at"),
        sa.PrimaryKeyConstraint("rule_id", name=op.f("pk_catalogue_overrides")),
    )
    op.create_table(
        "admin_changes",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        _ts("at"),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("target", sa.String(100), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("undoes", BigId, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_changes")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_admin_changes_at"), "admin_changes", ["at"])


# The console's "overdue" filter reads open instructions only; a year holds about a
# million closed ones. Same state list, same order as core.console.search uses.
_OPEN_INSTRUCTIONS = (
    "CREATE INDEX ix_instructions_open ON instructions (case_id, done_deadline, ack_deadline) "
    "WHERE state IN ('acknowledged', 'in_progress', 'sent')"
)


def upgrade() -> None:
    _admin_tables()
    op.execute(_OPEN_INSTRUCTIONS)
    if op.get_bind().dialect.name == "postgresql":
        # Trusted extension since PostgreSQL 13: the database owner may create it.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for column in ("text", "transcript"):
            op.execute(
                f"CREATE INDEX ix_contacts_{column}_trgm ON contacts "
                f"USING gin ({column} gin_trgm_ops)"
            )
        return
    op.execute(
        "CREATE VIRTUAL TABLE contacts_fts USING fts5(text, transcript, "
        "content='contacts', content_rowid='id', tokenize='trigram')"
    )
    op.execute(
        "CREATE TRIGGER contacts_fts_insert AFTER INSERT ON contacts BEGIN "
        f"INSERT INTO contacts_fts{_FTS_ROW.format(p='new')}; END"
    )
    op.execute(
        "CREATE TRIGGER contacts_fts_update AFTER UPDATE OF text, transcript ON contacts "
        f"BEGIN {_FTS_DELETE}; INSERT INTO contacts_fts{_FTS_ROW.format(p='new')}; END"
    )
    op.execute(
        f"CREATE TRIGGER contacts_fts_delete AFTER DELETE ON contacts BEGIN {_FTS_DELETE}; END"
    )
    op.execute("INSERT INTO contacts_fts(contacts_fts) VALUES ('rebuild')")


def downgrade() -> None:
    op.execute("DROP INDEX ix_instructions_open")
    for table in ("admin_changes", "catalogue_overrides", "duty_overrides"):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        for column in ("text", "transcript"):
            op.execute(f"DROP INDEX ix_contacts_{column}_trgm")
        return
    for verb in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER contacts_fts_{verb}")
    op.execute("DROP TABLE contacts_fts")
