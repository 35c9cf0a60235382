"""The least-privilege PostgreSQL role the application connects as.

Migrations run as the owner of the tables; the application connects as a role
that owns nothing, so it can neither drop the append-only triggers nor ALTER a
table, and that may only SELECT and INSERT the logs (case log, audit log,
anchors) — with no TRUNCATE, UPDATE or DELETE privilege on them at all. Run
``liandong audit app-role NAME`` as the owner after every migration (new tables
need their grants), then point ``LIANDONG_DATABASE__URL`` at NAME.
"""

from __future__ import annotations

import re

from sqlalchemy import text

from core.errors import InvalidInput
from core.storage.engine import Database

LOG_TABLES = ("case_events", "audit_log", "log_anchors")
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def app_role_sql(name: str, password: str | None, exists: bool) -> list[str]:
    if not _NAME.match(name):
        raise InvalidInput("role name: lower-case letters, digits, _", error_id="bad-role-name")
    logs = ", ".join(LOG_TABLES)
    secret = "" if password is None else " PASSWORD '" + password.replace("'", "''") + "'"
    create = f"ALTER ROLE {name} LOGIN{secret}" if exists else f"CREATE ROLE {name} LOGIN{secret}"
    return [
        create,
        f"GRANT USAGE ON SCHEMA public TO {name}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {name}",
        # The logs: read and append, nothing else (no UPDATE, DELETE, TRUNCATE).
        f"REVOKE ALL ON {logs} FROM {name}",
        f"GRANT SELECT, INSERT ON {logs} TO {name}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {name}",
        # Migrations stay the owner's: no DDL in the schema for the application.
        f"REVOKE CREATE ON SCHEMA public FROM {name}",
    ]


async def ensure_app_role(db: Database, name: str, password: str | None) -> list[str]:
    """Create or update the role; the statements run (password hidden)."""
    if db.dialect != "postgresql":
        raise InvalidInput(
            "database roles exist on PostgreSQL only", error_id="app-role-needs-postgresql"
        )
    async with db.session() as s:
        exists = bool(
            await s.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name})
        )
        statements = app_role_sql(name, password, exists)
        for sql in statements:
            await s.execute(text(sql))
    return [re.sub(r"PASSWORD '.*'", "PASSWORD '…'", sql) for sql in statements]
