"""``liandong agi …``: the FastAGI server (IVR menus, caller lookup) and its blocklist."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import click
from tqdm import tqdm

from core.errors import LiandongError
from core.storage.engine import Database
from liandong.cli.common import load_settings, run_async


@click.group()
def agi() -> None:
    """FastAGI server for the IVR menus of 12345/12315 and caller lookups.

    The dialplan calls AGI(agi://127.0.0.1:4573/ivr) and AGI(agi://…/lookup)
    (LIANDONG_FASTAGI__HOST / __PORT). If the server is down, calls go straight to
    the queue.
    """


@agi.command()
@click.option("--host", default=None, help="Listen address [LIANDONG_FASTAGI__HOST].")
@click.option("--port", type=int, default=None, help="Listen port [LIANDONG_FASTAGI__PORT].")
def serve(host: str | None, port: int | None) -> None:
    """Run the FastAGI server until SIGTERM/SIGINT."""
    from liandong.processes.fastagi import run_fastagi  # heavier imports

    settings = load_settings()
    update = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    if update:
        settings = settings.model_copy(
            update={"fastagi": settings.fastagi.model_copy(update=update)}
        )
    click.echo(f"FastAGI on {settings.fastagi.host}:{settings.fastagi.port} (scripts: ivr, lookup)")
    try:
        asyncio.run(run_fastagi(settings))
    except LiandongError as exc:
        raise click.ClickException(f"{exc.error_id}: {exc.message}") from exc


@agi.command()
@click.argument("number")
@click.option("--reason", required=True, help="Why, e.g. 反复骚扰接警员.")
@click.option("--by", "added_by", default="cli", show_default=True, help="Who adds it.")
@click.option("--days", type=float, default=None, help="Expires after this many days.")
def block(number: str, reason: str, added_by: str, days: float | None) -> None:
    """Put NUMBER on the harassment blocklist (the call is still answered; the
    lookup script sets LIANDONG_BLOCKLISTED=1)."""
    from telephony.fastagi.lookup import Blocklist

    settings = load_settings()
    expires = datetime.now(UTC) + timedelta(days=days) if days else None

    async def go() -> None:
        db = Database(settings.database)
        try:
            await Blocklist(db, lambda: datetime.now(UTC)).add(number, reason, added_by, expires)
        finally:
            await db.close()

    run_async(go())
    click.echo(
        f"blocklisted {number}" + (f" until {expires:%Y-%m-%d %H:%M} UTC" if expires else "")
    )


@agi.command()
@click.argument("number")
def unblock(number: str) -> None:
    """Remove NUMBER from the harassment blocklist."""
    from telephony.fastagi.lookup import Blocklist

    settings = load_settings()

    async def go() -> bool:
        db = Database(settings.database)
        try:
            return await Blocklist(db, lambda: datetime.now(UTC)).remove(number)
        finally:
            await db.close()

    click.echo(f"removed {number}" if run_async(go()) else f"{number} was not blocklisted")


@agi.command()
def prompts() -> None:
    """(Re)generate the IVR's Mandarin prompts and digits in the Asterisk root
    (also done by `liandong asterisk setup`). Recorded files are kept."""
    from telephony.asterisk.rootfs import generate_ivr_prompts, planned_ivr_prompts

    settings = load_settings()
    t = settings.telephony
    try:
        with tqdm(total=len(planned_ivr_prompts(t)), desc="IVR prompts", unit="file") as bar:
            made = generate_ivr_prompts(t, click.echo, progress=bar.update)
    except LiandongError as exc:
        raise click.ClickException(f"{exc.error_id}: {exc.message}") from exc
    click.echo(f"{made} prompts made")


__all__ = ["agi"]
