"""The telephony process (``liandong asterisk app``): the Stasis application that owns
call control, composed from the core's services."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import AsyncExitStack

from liandong.processes.runner import stop_event
from liandong.settings import Settings
from liandong.wiring import build
from telephony.calls.app import StasisApp
from telephony.wiring import build_telephony


async def run_telephony(
    settings: Settings,
    stop: asyncio.Event | None = None,
    *,
    install_signals: bool = True,
    ready: asyncio.Event | None = None,
    expose: Callable[[StasisApp], None] | None = None,
) -> None:
    """Run the Stasis app until ``stop`` is set (SIGTERM/SIGINT when installed)."""
    stop = stop_event(stop, install_signals=install_signals)
    # httpx logs every ARI request at INFO: ~20 lines per call, a measurable share of
    # this process's CPU (benchmarks/telephony_bench.py). Errors are logged by us.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    async with AsyncExitStack() as stack:
        core = await build(settings, stack)
        telephony = await build_telephony(core, settings.telephony, stack)
        await telephony.run(stop, ready=ready, expose=expose)
