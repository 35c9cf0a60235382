"""The escalation scheduler alone, as its own process (``python -m
liandong.processes.scheduler``); ``liandong worker`` also runs one in its task group."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import socket

from core.escalation.scheduler import build_scheduler
from core.storage.engine import Database
from liandong.processes.runner import stop_event
from liandong.settings import Settings


async def run_scheduler(name: str, poll_s: float, redeliver_after_s: float) -> None:
    settings = Settings()
    db = Database(settings.database)
    stop = stop_event()
    try:
        scheduler = build_scheduler(db, name, poll_s=poll_s, redeliver_after_s=redeliver_after_s)
        await scheduler.run(stop)
    finally:
        await db.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the escalation scheduler (R12) alone.")
    parser.add_argument("--name", default=f"{socket.gethostname()}-{os.getpid()}")
    parser.add_argument("--poll", type=float, default=0.25, help="seconds between idle passes")
    parser.add_argument(
        "--redeliver-after",
        type=float,
        default=30.0,
        help="seconds after which notices of a step nobody confirmed are delivered again",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    asyncio.run(run_scheduler(args.name, args.poll, args.redeliver_after))


if __name__ == "__main__":
    main()
