"""``liandong db``: schema migrations."""

from __future__ import annotations

import click

from core.storage.engine import Database
from liandong.cli.common import echo_json, load_settings, run_async
from liandong.migrate import current_revision, head_revision, upgrade


@click.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def upgrade_cmd(revision: str) -> None:
    """Migrate the configured database to REVISION."""
    settings = load_settings()

    async def go() -> str | None:
        database = Database(settings.database)
        try:
            await upgrade(database, revision)
            return await current_revision(database)
        finally:
            await database.close()

    echo_json({"database": settings.database.url.split("@")[-1], "revision": run_async(go())})


@db.command("current")
def current_cmd() -> None:
    """Show the database's revision and the code's head revision."""
    settings = load_settings()

    async def go() -> str | None:
        database = Database(settings.database)
        try:
            return await current_revision(database)
        finally:
            await database.close()

    echo_json({"current": run_async(go()), "head": head_revision()})
