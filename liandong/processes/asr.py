"""The ASR worker process (``liandong asr worker``): batch transcription, the
voice-media sweep and live taps of calls, composed from the core's services."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from pathlib import Path

from asr import worker
from asr.ports import LiveCall
from liandong.processes.runner import stop_event
from liandong.settings import Settings
from liandong.wiring import build
from telephony.calls.store import RedisCallStore
from telephony.wiring import ari_client


class TelephonyLiveCalls:
    """asr's ``LiveCalls`` port on telephony's call store: the composition root is the
    one place that knows both."""

    def __init__(self, store: RedisCallStore) -> None:
        self.store = store

    async def live_calls(self) -> list[LiveCall]:
        return [
            LiveCall(c.channel_id, c.contact_id, c.state.value, c.arrived_at)
            for c in await self.store.live()
        ]


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
        ari, calls = None, None
        if a.live if live is None else live:
            # Our own Stasis app: the call's app never sees us.
            ari = ari_client(settings.telephony, a.ari_app)
            store = RedisCallStore(core.redis, prefix=settings.redis.prefix, ttl_s=86400)
            calls = TelephonyLiveCalls(store)
        await worker.run(
            core, a, name, stop, stack, ari=ari, calls=calls, model_path=model_path, ready=ready
        )
