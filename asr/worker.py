"""The ASR worker's tasks (``liandong asr worker``, composed by the shell in
``liandong.processes.asr``): batch consumers, the voice-media sweep and live taps.

One process loads each model once. ``threads`` consumers share the job group (so
``threads`` jobs decode in parallel, each in the bounded pool); a worker killed
mid-job leaves its entry pending, and any live consumer re-claims it after
``claim_idle_ms`` (XAUTOCLAIM). Without any model the worker idles and says so;
jobs wait in the stream until a model is installed.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import AsyncExitStack
from pathlib import Path

from asr import catalog
from asr.jobs import AsrJobStreams
from asr.live import LiveService
from asr.ports import LiveCalls
from asr.service import ModelRegistry, TranscriptionService
from asr.settings import AsrSettings
from asr.store import TranscriptStore
from asr.sweep import VoiceMediaSweep
from asr.vosk_engine import VoskModel
from core.aio import sleep_or_stop
from core.queue.consumer import StreamConsumer
from core.wiring import CoreServices
from telephony.ari.client import AriClient

log = logging.getLogger(__name__)


async def wait_for_model(a: AsrSettings, model_path: Path | None, stop: asyncio.Event) -> bool:
    """Idle (saying why) until a speech model is installed; False if stopped first."""
    while catalog.default(a) is None and model_path is None:
        log.warning("no speech model: ASR is off (liandong asr install zh)")
        if await sleep_or_stop(stop, 30.0):
            return False
    return True


async def run(
    c: CoreServices,
    a: AsrSettings,
    name: str,
    stop: asyncio.Event,
    stack: AsyncExitStack,
    *,
    ari: AriClient | None,
    calls: LiveCalls | None = None,
    model_path: Path | None = None,
    ready: asyncio.Event | None = None,
) -> None:
    """Consume jobs until ``stop``; with ``ari`` (a client of the live-tap Stasis
    application, not yet connected) and ``calls`` also tap live calls."""
    prefix = c.settings.redis.prefix
    jobs = AsrJobStreams(c.redis, prefix=prefix, group=a.group, maxlen=a.stream_maxlen)
    store = TranscriptStore(c.db, c.classifier, c.workqueue, c.orgmap, c.clock)
    models = ModelRegistry(a, model_path)
    service = TranscriptionService(a, store, models)
    stack.callback(service.close)
    default = (
        catalog.default(a) if model_path is None else catalog.resolve(a, a.language, model_path)
    ) or catalog.resolve(a, a.language)  # raises ModelMissing (wait_for_model checked)
    # Loaded before consuming so the first job does not pay for it.
    model = await asyncio.to_thread(VoskModel.shared, default.path, default.language)
    log.info(
        "asr worker started",
        extra={"worker": name, "model": default.name, "load_s": round(model.load_s, 2)},
    )
    consumers = [
        StreamConsumer(
            jobs,
            f"{name}-{i}",
            service,
            claim_idle_ms=a.claim_idle_ms,
            max_deliveries=a.max_deliveries,
            batch=1,  # one job at a time per consumer: the others may take the rest
        )
        for i in range(a.threads)
    ]
    # Jobs parked while no model had their language: try them again with this
    # worker's models (those still without one are parked again at once).
    for job in await store.waiting():
        await jobs.enqueue(job)
    sweep = VoiceMediaSweep(c.db, jobs, a.language, c.clock, a.media_sweep_s)
    async with asyncio.TaskGroup() as tg:
        for cons in consumers:
            tg.create_task(cons.run(stop), name=f"asr-consumer-{cons.name}")
        tg.create_task(sweep.run(stop), name="asr-media-sweep")
        live_model = _live_model(a, model, model_path)
        if ari is not None and calls is not None and live_model is not None:
            live_ari = ari
            live_service = LiveService(a, live_ari, c.redis, prefix, store, live_model, name, calls)

            async def run_live() -> None:
                async with live_ari:
                    await live_service.run(stop, ready)

            tg.create_task(run_live(), name="asr-live")
        elif ready is not None:
            ready.set()
    log.info("asr worker stopped", extra={"worker": name, "done": service.transcribed})


def _live_model(a: AsrSettings, loaded: VoskModel, model_path: Path | None) -> VoskModel | None:
    """Calls are in the center's language: never tap them with another language's
    model (a Korean model on Mandarin calls would only produce noise)."""
    if model_path is not None or loaded.language == a.language:
        return loaded
    log.warning(
        "no speech model for the center's language: live transcription is off",
        extra={"language": a.language, "loaded": loaded.language},
    )
    return None
