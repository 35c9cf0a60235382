"""The ``liandong`` command. Every subcommand has ``--help``."""

from __future__ import annotations

import click

from liandong.cli.asterisk import asterisk
from liandong.cli.classify import classify
from liandong.cli.db import db
from liandong.cli.demo import demo
from liandong.cli.queue import queue
from liandong.cli.serve import run, serve, worker
from liandong.cli.users import users


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option("0.1.0", prog_name="liandong")
def main() -> None:
    """Liandong (联动): the platform of a city's 110 social linkage center.

    Settings come from LIANDONG_* environment variables (see README,
    "Configuration"), e.g. LIANDONG_DATABASE__URL and LIANDONG_REDIS__URL.
    """


for command in (run, serve, worker, db, demo, queue, users, classify, asterisk):
    main.add_command(command)

__all__ = ["main"]
