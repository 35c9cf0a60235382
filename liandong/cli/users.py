"""``liandong users``: staff accounts."""

from __future__ import annotations

from contextlib import AsyncExitStack

import click

from core.auth.models import Role
from liandong.cli.common import echo_json, load_settings, run_async
from liandong.wiring import build


@click.group()
def users() -> None:
    """Staff accounts."""


@users.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", "display_name", required=True, help="Name shown in the UI.")
@click.option("--unit-id", type=int, default=None, help="Unit of a unit_staff account.")
@click.password_option(help="Prompted for (twice) when omitted.")
def create_cmd(
    username: str, role: str, display_name: str, unit_id: int | None, password: str
) -> None:
    """Create a staff account with an Argon2id-hashed password."""
    settings = load_settings()

    async def go() -> int:
        async with AsyncExitStack() as stack:
            c = await build(settings, stack)
            return await c.auth.create_user(
                username, password, Role(role), display_name, unit_id=unit_id
            )

    echo_json({"user_id": run_async(go()), "username": username, "role": role})
