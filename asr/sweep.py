"""Voice messages waiting for ASR become jobs.

The channels' media fetcher stores a voice note without WeChat's recognition with
status ``asr_pending`` (channels/media.py). This sweep XADDs one job per such row
(job id ``media:<row id>``) and then marks it ``asr_queued``. A crash between the two
re-sends the job on the next pass, which the job id makes harmless.
"""

from __future__ import annotations

import asyncio
import logging

from redis.exceptions import RedisError
from sqlalchemy import select, update

from asr.jobs import AsrJobStreams
from asr.models import Job, JobKind
from core.aio import sleep_or_stop
from core.clock import Clock
from core.media.tables import ChannelMediaRow
from core.storage.engine import Database

log = logging.getLogger(__name__)
PENDING, QUEUED = "asr_pending", "asr_queued"


class VoiceMediaSweep:
    def __init__(
        self,
        db: Database,
        jobs: AsrJobStreams,
        language: str,
        clock: Clock,
        interval_s: float,
    ) -> None:
        self.db = db
        self.jobs = jobs
        self.language = language
        self.clock = clock
        self.interval_s = interval_s

    async def run_once(self, limit: int = 100) -> int:
        async with self.db.session() as s:
            rows = list(
                await s.scalars(
                    select(ChannelMediaRow)
                    .where(ChannelMediaRow.status == PENDING, ChannelMediaRow.path.is_not(None))
                    .order_by(ChannelMediaRow.id)
                    .limit(limit)
                )
            )
        for row in rows:
            await self.jobs.enqueue(
                Job(
                    job_id=f"media:{row.id}",
                    contact_id=row.contact_id,
                    path=str(row.path),
                    kind=JobKind.voice_message,
                    language=self.language,
                )
            )
            async with self.db.session() as s:
                await s.execute(
                    update(ChannelMediaRow)
                    .where(ChannelMediaRow.id == row.id, ChannelMediaRow.status == PENDING)
                    .values(status=QUEUED, updated_at=self.clock())
                )
        return len(rows)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                n = await self.run_once()
            except (RedisError, OSError) as exc:
                log.warning("voice media sweep cannot reach redis", extra={"error": str(exc)})
                n = 0
            except Exception:
                log.exception("voice media sweep failed")
                n = 0
            if n == 0:
                await sleep_or_stop(stop, self.interval_s)
