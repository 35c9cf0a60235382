"""The FastAGI process (``liandong agi serve``): the 12345/12315 menus and the caller
lookup for Asterisk's dialplan, composed from the core's services."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import AsyncExitStack

from liandong.processes.runner import stop_event
from liandong.settings import Settings
from liandong.wiring import build
from telephony.fastagi.server import FastAgiServer
from telephony.fastagi.wiring import build_scripts

log = logging.getLogger(__name__)


async def run_fastagi(
    settings: Settings,
    stop: asyncio.Event | None = None,
    *,
    install_signals: bool = True,
    ready: asyncio.Event | None = None,
    bound: Callable[[int], None] | None = None,
) -> None:
    """Serve until ``stop`` is set (SIGTERM/SIGINT when installed)."""
    stop = stop_event(stop, install_signals=install_signals)
    async with AsyncExitStack() as stack:
        # Lean: the menus never locate or classify (no org map in this process).
        core = await build(settings, stack, lean=True)
        scripts = build_scripts(core, settings.ivr, settings.fastagi)
        server = await stack.enter_async_context(FastAgiServer(settings.fastagi, scripts))
        if bound is not None:
            bound(server.port)
        if ready is not None:
            ready.set()
        await stop.wait()
        log.info("FastAGI stopping", extra={"active": server.active})
