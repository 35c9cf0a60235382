"""``liandong asr worker``: batch consumers, the voice-media sweep and live taps.

One process loads each model once. ``threads`` consumers share the job group (so
``threads`` jobs decode in parallel, each in the bounded pool); a worker killed
mid-job leaves its entry pending, and any live consumer re-claims it after
``claim_idle_ms`` (XAUTOCLAIM). Without any model the worker idles and says so;
jobs wait in the stream until a model is installed.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from contextlib import AsyncExitStack
from pathlib import Path

from asr import catalog
from asr.jobs import AsrJobStreams
from asr.live import LiveService
from asr.service import ModelRegistry, TranscriptionService
from asr.settings import AsrSettings
from asr.store import TranscriptStore
from asr.sweep import VoiceMediaSweep
from asr.vosk_engine import VoskModel
from core.aio import sleep_or_stop
from core.queue.consumer import StreamConsumer
from liandong.container import build
from liandong.settings import Settings
from telephony.ari import AriClient

log = logging.getLogger(__name__)


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
    stop = stop or asyncio.Event()
    if install_signals:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
    a = settings.asr
    while catalog.default(a) is None and model_path is None:
        log.warning("no speech model: ASR is off (liandong asr install zh)")
        if await sleep_or_stop(stop, 30.0):
            return
    async with AsyncExitStack() as stack:
        c = await build(settings, stack)
        jobs = AsrJobStreams(
            c.redis, prefix=settings.redis.prefix, group=a.group, maxlen=a.stream_maxlen
        )
        store = TranscriptStore(c.db, c.classifier, c.workqueue, c.orgmap, c.clock)
        models = ModelRegistry(a, model_path)
        service = TranscriptionService(a, store, models)
        stack.callback(service.close)
        default = (
            catalog.default(a) if model_path is None else catalog.resolve(a, a.language, model_path)
        ) or catalog.resolve(a, a.language)  # raises ModelMissing (checked above)
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
            if (a.live if live is None else live) and live_model is not None:
                ari = AriClient.from_settings(settings.telephony)
                ari.app = a.ari_app  # our own Stasis app: the call's app never sees us
                live_service = LiveService(
                    a, ari, c.redis, settings.redis.prefix, store, live_model, name
                )

                async def run_live() -> None:
                    async with ari:
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
