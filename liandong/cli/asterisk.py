"""``liandong asterisk …``: the development / CI Asterisk and the Stasis app process."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from core.errors import LiandongError
from core.settings import Mode
from liandong.cli.common import echo_json, load_settings
from telephony.asterisk import config, rootfs, runner

F = TypeVar("F", bound=Callable[..., Any])


def _errors(fn: F) -> F:
    """Telephony errors end the command with their id and message, not a traceback."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except LiandongError as exc:
            raise click.ClickException(f"{exc.error_id}: {exc.message}") from exc

    return wrapper  # type: ignore[return-value]


@click.group()
def asterisk() -> None:
    """Asterisk 22 for development and CI, and the Stasis app.

    In development and CI, `setup` builds a Debian sid root under var/asterisk-root
    (needs root: debootstrap, chroot) and `start` runs Asterisk from it. In production
    point LIANDONG_TELEPHONY__ARI_URL at the center's Asterisk and run only `app`.
    """


@asterisk.command()
@_errors
def setup() -> None:
    """Build (or reuse) the Asterisk root, make the prompts, install the config."""
    settings = load_settings()
    started = time.monotonic()
    rootfs.setup(
        settings.telephony,
        production=settings.mode is Mode.production,
        echo=click.echo,
        agi_address=settings.fastagi.address,
    )
    click.echo(f"Asterisk ready to start ({time.monotonic() - started:.1f} s)")


@asterisk.command()
@click.option("--wait", "wait_s", default=60.0, show_default=True, help="Seconds to wait for ARI.")
@_errors
def start(wait_s: float) -> None:
    """Start the chrooted Asterisk in the background; returns once ARI answers."""
    settings = load_settings()
    t = settings.telephony
    pid = runner.start(t, settings.var_dir, wait_s=wait_s, echo=click.echo)
    click.echo(
        f"Asterisk running (pid {pid}): SIP udp:{t.sip_bind}:{t.sip_port}, ARI {t.ari_base_url}"
    )


@asterisk.command()
@_errors
def stop() -> None:
    """Stop the Asterisk started by `start` (SIGTERM, then SIGKILL)."""
    settings = load_settings()
    was = runner.stop(settings.telephony, settings.var_dir)
    click.echo("Asterisk stopped" if was else "Asterisk was not running")


@asterisk.command()
def status() -> None:
    """Print JSON: running, pid, version, whether ARI answers."""
    settings = load_settings()
    echo_json(runner.status(settings.telephony, settings.var_dir))


@asterisk.command()
@click.option(
    "--target",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("var/asterisk-conf"),
    show_default=True,
    help="Directory to write the rendered files to.",
)
@_errors
def render(target: Path) -> None:
    """Render the Asterisk configuration from the settings into a directory (for a
    production Asterisk's administrators, or to read what setup installs)."""
    settings = load_settings()
    files = config.render(
        settings.telephony,
        production=settings.mode is Mode.production,
        agi_address=settings.fastagi.address,
    )
    config.write_config(files, target)
    click.echo(f"wrote {len(files)} files to {target}: {' '.join(sorted(files))}")


@asterisk.command()
def seats() -> None:
    """Print each seat phone's SIP account (username, password, server)."""
    settings = load_settings()
    t = settings.telephony
    secret = t.seat_secret.get_secret_value()
    echo_json(
        [
            {
                "username": name,
                "password": config.seat_password(secret, name),
                "server": f"{t.sip_bind}:{t.sip_port}",
                "realm": "liandong",
            }
            for name in config.seat_names(t.seats)
        ]
    )


@asterisk.command()
def app() -> None:
    """Run the Stasis app: every hotline call becomes a contact in the queue, is
    answered, greeted and held. Reconnects to ARI by itself; stop with SIGTERM."""
    from liandong.processes.telephony import run_telephony  # heavier imports

    settings = load_settings()
    asyncio.run(run_telephony(settings))


__all__ = ["asterisk"]
