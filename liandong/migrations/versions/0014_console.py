"""console: text search over contacts for the case search (issue 15).

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


def upgrade() -> None:
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
    if op.get_bind().dialect.name == "postgresql":
        for column in ("text", "transcript"):
            op.execute(f"DROP INDEX ix_contacts_{column}_trgm")
        return
    for verb in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER contacts_fts_{verb}")
    op.execute("DROP TABLE contacts_fts")
