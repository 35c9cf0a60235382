"""``liandong queue``: look at the intake stream and the work queue."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any

import click

from liandong.cli.common import echo_json, load_settings, run_async
from liandong.wiring import build


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


@click.group()
def queue() -> None:
    """The intake stream, its dead letters and the call takers' work queue."""


@queue.command("stats")
def stats_cmd() -> None:
    """Stream length, pending (delivered, unacknowledged), dead letters, queue depth."""
    settings = load_settings()

    async def go() -> dict[str, Any]:
        async with AsyncExitStack() as stack:
            c = await build(settings, stack)
            return {**await c.streams.stats(), "work_queue": await c.workqueue.size()}

    echo_json(run_async(go()))


@queue.command("dead")
@click.option("--limit", default=20, show_default=True)
def dead_cmd(limit: int) -> None:
    """List the newest dead-lettered entries with the reason they failed."""
    settings = load_settings()

    async def go() -> list[dict[str, Any]]:
        async with AsyncExitStack() as stack:
            c = await build(settings, stack)
            rows: list[Any] = list(await c.redis.xrevrange(c.streams.dead, count=limit) or [])
            return [
                {"id": _text(i), **{_text(k): _text(v) for k, v in (f or {}).items()}}
                for i, f in rows
            ]

    for row in run_async(go()):
        echo_json(row)
