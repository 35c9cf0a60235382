"""What every long-running process of the platform shares: the stop event that
SIGTERM/SIGINT set, so each process shuts down the same way (its task group ends,
its exit stack closes what it opened, in reverse order)."""

from __future__ import annotations

import asyncio
import signal


def stop_event(stop: asyncio.Event | None = None, *, install_signals: bool = True) -> asyncio.Event:
    """The event a process runs until; SIGTERM and SIGINT set it when ``install_signals``
    (tests that run a process in their own loop pass their own event and no signals).
    Must be called inside the running loop."""
    stop = stop or asyncio.Event()
    if install_signals:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
    return stop
