"""Media received on a channel: recorded at intake, fetched after the reply.

Downloading a photo or a voice note can take seconds, and WeChat drops a push
whose answer takes more than 5 s, so intake only records the vendor's media id;
:class:`MediaFetcher` (a worker coroutine) fetches and stores it afterwards.
Voice without WeChat's recognition is marked ``asr_pending`` for ``asr/``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from pathlib import Path
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from core.clock import Clock
from core.media.tables import ChannelMediaRow
from core.storage.engine import Database

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


class MediaSource(Protocol):
    async def download_media(self, media_id: str) -> tuple[bytes, str]: ...


class MediaStore:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def record(
        self, channel: str, media_id: str, kind: str, contact_id: int, case_number: str
    ) -> None:
        """Idempotent: a vendor retry records nothing new."""
        now = self.clock()
        async with self.db.session() as s:
            dialect = s.get_bind().dialect.name
            ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(ChannelMediaRow)
            await s.execute(
                ins.values(
                    channel=channel,
                    vendor_media_id=media_id,
                    kind=kind,
                    contact_id=contact_id,
                    case_number=case_number,
                    status="pending",
                    attempts=0,
                    created_at=now,
                    updated_at=now,
                ).on_conflict_do_nothing(index_elements=["channel", "vendor_media_id"])
            )


class MediaFetcher:
    def __init__(
        self,
        db: Database,
        sources: dict[str, MediaSource],
        directory: Path,
        clock: Clock,
        interval_s: float = 1.0,
    ) -> None:
        self.db = db
        self.sources = sources
        self.directory = directory
        self.clock = clock
        self.interval_s = interval_s

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                done = await self.fetch_pending()
            except Exception:  # keep the worker alive; the row is retried
                log.exception("media fetch round failed")
                done = 0
            if done == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.interval_s)

    async def fetch_pending(self, limit: int = 10) -> int:
        async with self.db.session() as s:
            rows = list(
                await s.scalars(
                    select(ChannelMediaRow)
                    .where(ChannelMediaRow.status == "pending")
                    .order_by(ChannelMediaRow.id)
                    .limit(limit)
                )
            )
        for row in rows:
            await self._fetch(row)
        return len(rows)

    async def _fetch(self, row: ChannelMediaRow) -> None:
        source = self.sources.get(row.channel)
        status = "failed"
        error: str | None = "no media source for this channel"
        path: str | None = None
        digest: str | None = None
        ctype: str | None = None
        size: int | None = None
        if source is not None:
            try:
                data, ctype = await source.download_media(row.vendor_media_id)
            except Exception as exc:  # any failure: recorded on the row, retried, logged
                error = f"{type(exc).__name__}: {exc}"[:300]
                status = "pending" if row.attempts + 1 < MAX_ATTEMPTS else "failed"
                log.warning(
                    "media download failed",
                    extra={
                        "media_id": row.id,
                        "channel": row.channel,
                        "error_id": getattr(exc, "error_id", type(exc).__name__),
                        "attempt": row.attempts + 1,
                        "gives_up": status == "failed",
                    },
                )
            else:
                digest = hashlib.sha256(data).hexdigest()
                target = self.directory / digest[:2] / digest
                await asyncio.to_thread(_write, target, data)
                path, size, error = str(target), len(data), None
                status = "asr_pending" if row.kind == "audio" else "fetched"
        async with self.db.session() as s:
            live = await s.get(ChannelMediaRow, row.id)
            if live is None:
                return
            live.status, live.error, live.attempts = status, error, live.attempts + 1
            live.path, live.sha256, live.content_type, live.size = path, digest, ctype, size
            live.updated_at = self.clock()


def _write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".part")
    tmp.write_bytes(data)
    tmp.replace(target)
