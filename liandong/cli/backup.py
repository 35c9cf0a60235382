"""``liandong backup`` / ``liandong restore``: database and media in one directory."""

from __future__ import annotations

from pathlib import Path

import click

from liandong.cli.common import echo_json, load_settings, run_async


@click.command()
@click.argument("target", type=click.Path(file_okay=False, path_type=Path))
def backup(target: Path) -> None:
    """Save the database (pg_dump, or SQLite's online backup) and the media files
    (photos, voice messages, recordings) into TARGET; prints the manifest."""
    from liandong import backup as b

    echo_json(run_async(b.backup(load_settings(), target)))


@click.command()
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the target's data (required).")
def restore(source: Path, yes: bool) -> None:
    """Restore a `liandong backup` directory into the configured database and media
    directories (stop the platform first); checks the row counts afterwards."""
    from liandong import backup as b

    echo_json(run_async(b.restore(load_settings(), source, yes=yes)))


__all__ = ["backup", "restore"]
