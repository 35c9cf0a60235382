"""The ASR worker process (``liandong asr worker``): batch transcription, the
voice-media sweep and live taps of calls, composed from the core's services."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from pathlib import Path

from asr import worker
from liandong.processes.runner import stop_event
from liandong.settings import Settings
from liandong.wiring import build
from telephony.ari import AriClient


async def run_asr_worker(
    settings: Settings,
    name: str,
    stop: asyncio.Event | None = None,
    *,
    live: bool | None = None,
    model_path: Path | None = None,
    install_signals: bool = True,
    ready: asyncio.Event | None = None,
) -> None:
    stop = stop_event(stop, install_signals=install_signals)
    a = settings.asr
    if not await worker.wait_for_model(a, model_path, stop):
        return
    async with AsyncExitStack() as stack:
        core = await build(settings, stack)
        ari = None
        if a.live if live is None else live:
            ari = AriClient.from_settings(settings.telephony)
            ari.app = a.ari_app  # our own Stasis app: the call's app never sees us
        await worker.run(core, a, name, stop, stack, ari=ari, model_path=model_path, ready=ready)
