"""``liandong audit``: verify the tamper-evident logs, anchor days, the app role."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click
from sqlalchemy.exc import SQLAlchemyError

from core.integrity.anchors import anchor_days
from core.integrity.approle import ensure_app_role
from core.integrity.verify import Report, verify_all
from core.storage.engine import Database
from liandong.cli.common import echo_json, load_settings, run_async


@click.group()
def audit() -> None:
    """Tamper evidence of the case log and the audit log (纪检监察)."""


@audit.command("verify")
def verify_cmd() -> None:
    """Check every hash chain and daily anchor of LIANDONG_DATABASE__URL.

    Exit 0 with a one-line summary when all hold; exit 1 naming the first broken
    case and event (or audit entry, or anchored day) otherwise."""
    settings = load_settings()

    async def go() -> Report:
        database = Database(settings.database)
        try:
            return await verify_all(database)
        finally:
            await database.close()

    try:
        report = run_async(go())
    except SQLAlchemyError as exc:
        # Exit 1 too: an unreadable log is not a verified one.
        raise click.ClickException(
            f"cannot read the logs ({type(exc).__name__}); is the database migrated "
            "(`liandong db upgrade`) and reachable?"
        ) from exc
    click.echo(report.summary())
    sys.exit(0 if report.ok else 1)


@audit.command("anchor")
def anchor_cmd() -> None:
    """Anchor every complete UTC day not anchored yet; prints each anchor's hash
    (keep a copy off this database). Run it daily."""
    settings = load_settings()

    async def go() -> list[dict[str, object]]:
        database = Database(settings.database)
        try:
            made = await anchor_days(database, datetime.now(UTC).date())
            return [{"log": a.log, "day": a.day, "rows": a.rows, "hash": a.hash} for a in made]
        finally:
            await database.close()

    for line in run_async(go()):
        echo_json(line)


@audit.command("app-role")
@click.argument("name")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="The role's login password (prompted when not given).",
)
def app_role_cmd(name: str, password: str) -> None:
    """Create (or update) the PostgreSQL role the application connects as: owns
    nothing, may only SELECT/INSERT the logs. Run as the tables' owner after
    each migration."""
    settings = load_settings()

    async def go() -> list[str]:
        database = Database(settings.database)
        try:
            return await ensure_app_role(database, name, password)
        finally:
            await database.close()

    for sql in run_async(go()):
        click.echo(sql)
