"""The batch worker: jobs from ``{prefix}:asr:jobs`` → transcripts on contacts, once."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy import select

from asr.jobs import AsrJobStreams
from asr.models import Job, JobKind, Transcript, Word
from asr.store import TranscriptStore
from asr.tables import TranscriptRow
from core.cases.tables import CaseEventRow, CaseRow, ContactRow
from core.media.tables import ChannelMediaRow
from core.storage.engine import Database
from liandong.processes.asr import run_asr_worker
from liandong.settings import Settings
from liandong.wiring import build
from tests.asr.conftest import EXPECTED
from tests.support.barriers import group_drained, until
from tests.support.paths import ROOT

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


def _jobs(s: Settings, redis: Redis) -> AsrJobStreams:
    return AsrJobStreams(
        redis, prefix=s.redis.prefix, group=s.asr.group, maxlen=s.asr.stream_maxlen
    )


async def _rows(s: Settings, contact_id: int) -> list[TranscriptRow]:
    db = Database(s.database)
    try:
        async with db.session() as session:
            return list(
                await session.scalars(
                    select(TranscriptRow).where(TranscriptRow.contact_id == contact_id)
                )
            )
    finally:
        await db.close()


async def _contact(s: Settings, contact_id: int) -> ContactRow:
    db = Database(s.database)
    try:
        async with db.session() as session:
            row = await session.get(ContactRow, contact_id)
            assert row is not None
            return row
    finally:
        await db.close()


async def _wait_rows(s: Settings, contact_id: int, n: int, limit_s: float) -> list[TranscriptRow]:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        rows = await _rows(s, contact_id)
        if len(rows) >= n:
            return rows
        await asyncio.sleep(0.2)
    raise AssertionError(f"{n} transcript rows not written within {limit_s} s")


@pytest.fixture
async def worker(asr_settings: Settings) -> AsyncIterator[None]:
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(
        run_asr_worker(asr_settings, "t", stop, live=False, install_signals=False, ready=ready)
    )
    await asyncio.wait_for(ready.wait(), 30)
    yield
    stop.set()
    await asyncio.wait_for(task, 20)


@pytest.fixture
async def redis(asr_settings: Settings) -> AsyncIterator[Redis]:
    r = Redis.from_url(asr_settings.redis.url)
    yield r
    await r.aclose()


async def test_recording_job_leaves_text_and_timed_words_on_the_contact_once(
    asr_settings: Settings,
    contact: tuple[int, str],
    speech: dict[str, Path],
    worker: None,
    redis: Redis,
) -> None:
    contact_id, _ = contact
    job = Job("rec-1", contact_id, str(speech["ulaw"]), JobKind.call_recording, "ko")
    await _jobs(asr_settings, redis).enqueue(job)
    [row] = await _wait_rows(asr_settings, contact_id, 1, 30)
    assert row.status == "done" and EXPECTED in row.text.split()
    assert row.words and {"word", "start", "end", "conf"} <= set(row.words[0])
    assert row.model == "model" and row.rtf is not None and row.duration_s
    c = await _contact(asr_settings, contact_id)
    assert c.transcript == row.text
    # The same job delivered again (a producer's retry) changes nothing.
    jobs = _jobs(asr_settings, redis)
    await jobs.enqueue(job)
    await until(lambda: group_drained(redis, jobs.stream, jobs.group), 30, "the retry consumed")
    rows = await _rows(asr_settings, contact_id)
    assert len(rows) == 1
    assert (await _contact(asr_settings, contact_id)).transcript == row.text


async def test_corrupt_and_empty_files_fail_typed_and_the_worker_goes_on(
    asr_settings: Settings,
    contact: tuple[int, str],
    speech: dict[str, Path],
    worker: None,
    redis: Redis,
    tmp_path: Path,
) -> None:
    contact_id, _ = contact
    empty, corrupt = tmp_path / "empty.amr", tmp_path / "corrupt.wav"
    empty.write_bytes(b"")
    corrupt.write_bytes(b"RIFF" + os.urandom(3000))
    jobs = _jobs(asr_settings, redis)
    for jid, path in (("bad-empty", empty), ("bad-corrupt", corrupt), ("good", speech["amr"])):
        await jobs.enqueue(Job(jid, contact_id, str(path), JobKind.voice_message, "ko"))
    rows = {r.job_id: r for r in await _wait_rows(asr_settings, contact_id, 3, 40)}
    assert (rows["bad-empty"].status, rows["bad-empty"].error_id) == ("failed", "audio-empty")
    assert (rows["bad-corrupt"].status, rows["bad-corrupt"].error_id) == (
        "failed",
        "audio-unreadable",
    )
    assert rows["good"].status == "done" and EXPECTED in rows["good"].text.split()
    stats = await jobs.stats()
    assert stats["pending"] == 0 and stats["dead"] == 0  # failures are acknowledged


async def test_voice_message_awaiting_asr_is_swept_into_a_job_and_transcribed(
    asr_settings: Settings,
    contact: tuple[int, str],
    speech: dict[str, Path],
    worker: None,
) -> None:
    contact_id, number = contact
    db = Database(asr_settings.database)
    try:
        async with db.session() as s:
            row = ChannelMediaRow(
                channel="wechat",
                vendor_media_id="MEDIA-1",
                kind="audio",
                contact_id=contact_id,
                case_number=number,
                status="asr_pending",
                attempts=1,
                path=str(speech["amr"]),
            )
            s.add(row)
        [t] = await _wait_rows(asr_settings, contact_id, 1, 30)
        assert t.job_id == f"media:{row.id}" and t.kind == "voice_message"
        assert EXPECTED in t.text.split()
        async with db.session() as s:
            media = await s.get(ChannelMediaRow, row.id)
            assert media is not None and media.status == "asr_queued"
    finally:
        await db.close()


async def test_transcript_reclassifies_the_open_case_and_logs_why(
    asr_settings: Settings, contact: tuple[int, str]
) -> None:
    """The Korean model cannot hear Mandarin; the store is fed a Mandarin transcript
    (as a Chinese model would produce) to check the re-classification it triggers."""
    contact_id, number = contact
    async with AsyncExitStack() as stack:
        c = await build(asr_settings, stack)
        store = TranscriptStore(c.db, c.classifier, c.workqueue, c.orgmap, c.clock)
        job = Job("zh-1", contact_id, "/rec/zh-1.wav", JobKind.call_recording, "zh")
        t = Transcript(
            "新仁乡 这边 房子 着火 了 有人 被困", [Word("着火", 1.0, 1.4, 0.9)], 4.0, 1.0
        )
        assert (await store.save(job, t, "vosk-model-small-cn-0.22")).created
        assert not (await store.save(job, t, "vosk-model-small-cn-0.22")).created
        async with c.db.session() as s:
            case = await s.scalar(select(CaseRow).where(CaseRow.number == number))
            assert case is not None
            assert (case.category, case.emergency) == ("fire", True)
            events = list(
                await s.scalars(
                    select(CaseEventRow).where(
                        CaseEventRow.case_id == case.id, CaseEventRow.action == "classify"
                    )
                )
            )
        asr_events = [e for e in events if e.data.get("source") == "asr"]
        assert len(asr_events) == 1 and asr_events[0].data["job_id"] == "zh-1"
        assert asr_events[0].after["category"] == "fire"


def _worker_env(s: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "LIANDONG_DATABASE__URL": s.database.url,
            "LIANDONG_REDIS__URL": s.redis.url,
            "LIANDONG_REDIS__PREFIX": s.redis.prefix,
            "LIANDONG_ASR__MODELS": json.dumps(s.asr.models),
            "LIANDONG_ASR__LANGUAGE": s.asr.language,
            "LIANDONG_ASR__THREADS": "1",
            "LIANDONG_ASR__CLAIM_IDLE_MS": str(s.asr.claim_idle_ms),
            "LIANDONG_LOG_JSON": "false",
        }
    )
    return env


async def test_worker_killed_mid_job_is_reclaimed_and_the_transcript_lands_once(
    asr_settings: Settings, contact: tuple[int, str], long_speech: Path, redis: Redis
) -> None:
    contact_id, _ = contact
    jobs = _jobs(asr_settings, redis)
    await jobs.ensure_group()
    proc = subprocess.Popen(
        [sys.executable, "-m", "liandong", "asr", "worker", "--no-live", "--name", "victim"],
        env=_worker_env(asr_settings),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        await jobs.enqueue(
            Job("long-1", contact_id, str(long_speech), JobKind.call_recording, "ko")
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # the victim has taken the job …
            summary = await redis.xpending(jobs.stream, jobs.group)
            if summary["pending"]:
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the subprocess worker never took the job")
        await asyncio.sleep(1.0)  # … and is decoding it
        assert await _rows(asr_settings, contact_id) == []
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(
        run_asr_worker(
            asr_settings, "rescuer", stop, live=False, install_signals=False, ready=ready
        )
    )
    try:
        [row] = await _wait_rows(asr_settings, contact_id, 1, 90)
        assert row.status == "done" and row.deliveries == 2
        assert EXPECTED in row.text.split()
        await until(lambda: group_drained(redis, jobs.stream, jobs.group), 30, "jobs consumed")
        assert len(await _rows(asr_settings, contact_id)) == 1
        assert (await _contact(asr_settings, contact_id)).transcript == row.text
        assert (await jobs.stats())["pending"] == 0
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


@pytest.mark.postgres
async def test_concurrent_deliveries_of_one_job_land_once_on_postgres(
    pg_url: str, redis_url: str, redis_prefix: str
) -> None:
    """Two workers saving the same job at the same moment (a re-claim racing a slow
    original): one wins, the other's transaction rolls back on the primary key."""
    from core.cases.schemas import ContactCreate
    from tests.conftest import make_settings

    s = make_settings(pg_url, redis_url, redis_prefix)
    async with AsyncExitStack() as stack:
        c = await build(s, stack)
        created = await c.intake.receive(
            ContactCreate(channel="phone", hotline="119", sender="13800002222", live=True),
            actor="test",
        )
        dbs = [Database(s.database) for _ in range(2)]
        for db in dbs:
            stack.push_async_callback(db.close)
        stores = [TranscriptStore(db, c.classifier, None, None, c.clock) for db in dbs]
        job = Job("pg-1", created.contact_id, "/rec/pg-1.wav", JobKind.call_recording, "zh")
        t = Transcript("房子 着火 了", [Word("着火", 0.5, 0.9, 0.95)], 2.0, 0.4)
        results = await asyncio.gather(*(st.save(job, t, "m") for st in stores))
        assert sorted(r.created for r in results) == [False, True]
        async with c.db.session() as session:
            rows = list(await session.scalars(select(TranscriptRow)))
            contact = await session.get(ContactRow, created.contact_id)
        assert [r.job_id for r in rows] == ["pg-1"]
        assert contact is not None and contact.transcript == "房子 着火 了"


async def test_a_job_without_a_model_for_its_language_waits_and_runs_once_one_exists(
    asr_settings: Settings,
    contact: tuple[int, str],
    speech: dict[str, Path],
    redis: Redis,
) -> None:
    contact_id, _ = contact
    job = Job("rec-zh", contact_id, str(speech["ulaw"]), JobKind.call_recording, "zh")

    async def run_worker(s: Settings) -> None:
        stop, ready = asyncio.Event(), asyncio.Event()
        task = asyncio.create_task(
            run_asr_worker(s, "t", stop, live=False, install_signals=False, ready=ready)
        )
        await asyncio.wait_for(ready.wait(), 30)
        if s is asr_settings:
            await _jobs(s, redis).enqueue(job)
        await _wait_rows_status(s, contact_id, "waiting" if s is asr_settings else "done")
        stop.set()
        await asyncio.wait_for(task, 20)

    # Only a Korean model: the Mandarin recording is parked, not retried into dead letters.
    await run_worker(asr_settings)
    [parked] = await _rows(asr_settings, contact_id)
    assert (parked.status, parked.error_id) == ("waiting", "asr-model-missing")
    assert await redis.xlen(_jobs(asr_settings, redis).dead) == 0
    # A worker that has a model for zh (here the Korean one stands in) picks it up.
    models = {**asr_settings.asr.models, "zh": asr_settings.asr.models["ko"]}
    with_zh = asr_settings.model_copy(
        update={"asr": asr_settings.asr.model_copy(update={"models": models})}
    )
    await run_worker(with_zh)
    [row] = await _rows(asr_settings, contact_id)
    assert row.status == "done" and EXPECTED in row.text.split()


async def _wait_rows_status(s: Settings, contact_id: int, status: str) -> None:
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        if any(r.status == status for r in await _rows(s, contact_id)):
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"no transcript row became {status!r}")
