"""Recordings of calls, linked to the case and handed to transcription.

Two recordings per call, both ARI stored recordings (``astspooldir/recording``):

- ``call_queued_<channel>``: what the waiting caller says. ARI cannot record a
  channel that is in a bridge (409), so a snoop channel (spy "in": the caller's
  voice) is recorded instead; it ends when a call taker answers or the caller leaves.
- ``call_talk<token>_<channel>``: the conversation, recorded on the call's mixing
  bridge (caller, call taker and any unit).

When Asterisk reports ``RecordingFinished`` the file is linked in the case log and a
job is added to ``{prefix}:asr:jobs`` (fields ``job_id contact_id path kind
language``), with ``path`` as this host sees the file. Recording events reach us
after the call's session may be over, so this runs apart from the sessions and
reads the call from the store.
"""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from typing import Any, Protocol

from redis.asyncio import Redis

from telephony.ari.events import Recording
from telephony.asterisk import rootfs
from telephony.asterisk.config import instance_paths
from telephony.calls.journal import CaseJournal
from telephony.calls.ports import CallStore
from telephony.settings import TelephonySettings

log = logging.getLogger(__name__)

ASR_JOBS_MAXLEN = 100_000


def queued_name(channel_id: str) -> str:
    return f"call_queued_{channel_id}"


def talk_name(channel_id: str) -> str:
    # A fresh name per bridge recording: a re-created bridge never overwrites the file.
    return f"call_talk{secrets.token_hex(3)}_{channel_id}"


def owner(name: str) -> str | None:
    """The call a recording belongs to (channel ids contain no underscore)."""
    parts = name.split("_", 2)
    return parts[2] if len(parts) == 3 and parts[0] == "call" else None


def recordings_dir(s: TelephonySettings) -> Path:
    if s.recordings_dir is not None:
        return s.recordings_dir
    return rootfs.inside(s.rootfs, instance_paths(s.instance).spool_dir) / "recording"


def asr_jobs_key(prefix: str) -> str:
    return f"{prefix}:asr:jobs"


class RecordingControl(Protocol):
    async def stop_recording(self, name: str) -> None: ...


class RecordingService:
    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str,
        store: CallStore,
        journal: CaseJournal,
        settings: TelephonySettings,
    ) -> None:
        self.redis = redis
        self.prefix = prefix
        self.store = store
        self.journal = journal
        self.settings = settings

    def path(self, rec: Recording) -> Path:
        return recordings_dir(self.settings) / f"{rec.name}.{rec.format or 'wav'}"

    async def finished(self, rec: Recording) -> None:
        cid = owner(rec.name)
        if cid is None:
            return  # not one of ours (another app's recording on this Asterisk)
        call = await self.store.get(cid)
        if call is None or call.contact_id is None:
            log.warning("recording of an unknown call", extra={"recording": rec.name})
            return
        path = self.path(rec)
        kind = "等候时陈述" if rec.name.startswith("call_queued_") else "通话"
        self.journal.write(call, f"电话：{kind}录音 {path.name}（{rec.duration_s} 秒）")
        job: dict[Any, Any] = {
            "job_id": rec.name,
            "contact_id": str(call.contact_id),
            "path": str(path),
            "kind": "call_recording",
            "language": "zh",
            "case_number": call.case_number or "",
        }
        await self.redis.xadd(
            asr_jobs_key(self.prefix), job, maxlen=ASR_JOBS_MAXLEN, approximate=True
        )
        log.info("recording submitted for transcription", extra={"recording": rec.name})
