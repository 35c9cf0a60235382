"""Batch transcription: a job in, a transcript on the contact out, exactly once.

Decoding is CPU-bound; it runs in a bounded :class:`ThreadPoolExecutor` (``threads``
workers) so the event loop keeps serving Redis and the database. One
:class:`~asr.vosk_engine.VoskModel` per language per process is shared by every
recognizer (loading one costs seconds and ~100 MB; a recognizer costs ~10 MB).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from asr import audio, catalog
from asr.errors import AudioError, ModelMissing
from asr.jobs import job_of
from asr.models import Transcript
from asr.settings import AsrSettings
from asr.store import TranscriptStore
from asr.vosk_engine import VoskModel
from core.queue.streams import Entry

log = logging.getLogger(__name__)


class ModelRegistry:
    """Resolves and loads (once) the model of each language."""

    def __init__(self, settings: AsrSettings, override: Path | None = None) -> None:
        self.settings = settings
        self.override = override
        self._lock = threading.Lock()

    def model(self, language: str) -> VoskModel:
        info = catalog.resolve(self.settings, language, self.override)
        with self._lock:
            return VoskModel.shared(info.path, language)


def transcribe_file(model: VoskModel, path: Path, language: str | None = None) -> Transcript:
    """Normalise and decode one file (blocking: call it from a worker thread)."""
    pcm = audio.normalise(path, model.sample_rate)
    return model.transcribe(pcm, language)


class TranscriptionService:
    def __init__(
        self, settings: AsrSettings, store: TranscriptStore, models: ModelRegistry
    ) -> None:
        self.settings = settings
        self.store = store
        self.models = models
        self.pool = ThreadPoolExecutor(settings.threads, thread_name_prefix="asr-decode")
        self.transcribed = 0
        self.failed = 0

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    async def decode(self, path: Path, language: str) -> tuple[Transcript, str]:
        loop = asyncio.get_running_loop()
        model = await loop.run_in_executor(self.pool, self.models.model, language)
        t = await loop.run_in_executor(self.pool, transcribe_file, model, path, language)
        return t, model.path.name

    async def __call__(self, entry: Entry) -> None:
        """The consumer's handler. Returning acknowledges the entry; raising leaves it
        pending for re-delivery (a missing model, the database down …)."""
        job = job_of(entry)
        if await self.store.done(job.job_id):
            log.info("asr job already done; duplicate delivery", extra={"job_id": job.job_id})
            return
        try:
            t, model = await self.decode(Path(job.path), job.language)
        except ModelMissing as exc:
            # Retrying cannot install a model: park the job until a worker has one.
            log.warning("asr job waits for a model", extra={"job_id": job.job_id})
            await self.store.park(job, exc, entry.deliveries)
            return
        except AudioError as exc:
            # Retrying cannot fix a corrupt file: record the typed error and move on.
            self.failed += 1
            log.warning(
                "asr job failed",
                extra={"job_id": job.job_id, "error_id": exc.error_id, "path": job.path},
            )
            await self.store.fail(job, exc, entry.deliveries)
            return
        stored = await self.store.save(job, t, model, entry.deliveries)
        self.transcribed += stored.created
        log.info(
            "asr job transcribed",
            extra={
                "job_id": job.job_id,
                "contact_id": job.contact_id,
                "chars": len(t.text),
                "duration_s": round(t.duration_s, 2),
                "rtf": round(t.rtf, 3),
                "duplicate": not stored.created,
            },
        )
