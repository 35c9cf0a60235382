"""The ``liandong`` command. Every subcommand has ``--help``."""

from __future__ import annotations

import click

from liandong.cli.agi import agi
from liandong.cli.asr import asr, transcribe
from liandong.cli.asterisk import asterisk
from liandong.cli.audit import audit
from liandong.cli.backup import backup, restore
from liandong.cli.classify import classify
from liandong.cli.db import db
from liandong.cli.demo import demo
from liandong.cli.drill import drill
from liandong.cli.history import history
from liandong.cli.notify import notify
from liandong.cli.queue import queue
from liandong.cli.report import report
from liandong.cli.serve import run, serve, worker
from liandong.cli.users import users


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option("0.1.0", prog_name="liandong")
def main() -> None:
    """Liandong (联动): the platform of a city's 110 social linkage center.

    Settings come from LIANDONG_* environment variables (see README,
    "Configuration"), e.g. LIANDONG_DATABASE__URL and LIANDONG_REDIS__URL.
    """


for command in (
    run, serve, worker, db, demo, queue, users, classify, asterisk, asr, transcribe, agi
):  # fmt: skip
    main.add_command(command)
main.add_command(report)
main.add_command(drill)
main.add_command(notify)  # `liandong notify test` (issue 13)
main.add_command(audit)  # `liandong audit verify|anchor|app-role` (issue 14)
main.add_command(backup)
main.add_command(restore)
demo.add_command(history)  # `liandong demo history`

__all__ = ["main"]
