"""A real call through Asterisk: the caller's speech reaches the live recognizer over
ARI snoop + externalMedia (RTP), partials and finals are published, and the final
transcript is left on the call's contact. The call itself is never touched."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from asr.publisher import live_stream
from asr.tables import TranscriptRow
from core.cases.tables import ContactRow
from core.storage.engine import Database
from liandong.processes.asr import run_asr_worker
from liandong.settings import Settings
from telephony.ari.client import AriClient
from telephony.settings import TelephonySettings
from tests.asr import sounds
from tests.asr.conftest import EXPECTED
from tests.asr.pcap import ulaw_of, write_pcap
from tests.support.paths import ROOT
from tests.telephony.helpers import free_udp_port, phone_contacts

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
SCENARIO = Path(__file__).with_name("scenario_speech.xml")
GREETING_WAIT_MS = 9000  # the 110 greeting lasts 7.8 s; the caller speaks after it


@pytest.fixture
async def live_worker(live_settings: Settings) -> AsyncIterator[None]:
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(
        run_asr_worker(live_settings, "live", stop, live=True, install_signals=False, ready=ready)
    )
    await asyncio.wait_for(ready.wait(), 30)
    yield
    stop.set()
    await asyncio.wait_for(task, 20)


async def _speaking_call(
    t: TelephonySettings, pcap: Path, hold_ms: int, tmp: Path, caller: str = "13900002222"
) -> str:
    xml = (
        SCENARIO.read_text(encoding="utf-8")
        .replace("{{wait}}", str(GREETING_WAIT_MS))
        .replace("{{hold}}", str(hold_ms))
        .replace("{{pcap}}", str(pcap))
    )
    scenario = tmp / "speech.xml"
    scenario.write_text(xml, encoding="utf-8")
    proc = await asyncio.create_subprocess_exec(
        "sipp",
        "-sf",
        str(scenario),
        "-s",
        "110",
        f"127.0.0.1:{t.sip_port}",
        "-i",
        "127.0.0.1",
        "-p",
        str(free_udp_port()),
        "-mp",
        str(free_udp_port()),
        "-key",
        "caller",
        caller,
        "-m",
        "1",
        "-timeout",
        "90",
        "-timeout_error",
        "-nostdin",
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=tmp,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, out.decode(errors="replace")[-2000:]
    return out.decode(errors="replace")


async def test_caller_speech_reaches_the_live_recognizer_and_lands_on_the_contact(
    live_settings: Settings,
    speech: dict[str, Path],
    stasis_app: None,
    intake_worker: None,
    live_worker: None,
    tmp_path: Path,
) -> None:
    wav = sounds.concat([speech["wav"]] * 3, tmp_path / "said.wav", gap_s=1.0)
    ulaw = ulaw_of(wav)
    pcap = write_pcap(ulaw, tmp_path / "said.pcap")
    speech_ms = len(ulaw) // 8
    started = time.time()
    await _speaking_call(live_settings.telephony, pcap, speech_ms + 3000, tmp_path)

    [call] = await phone_contacts(live_settings)
    redis = Redis.from_url(live_settings.redis.url)
    try:
        entries: Any = await redis.xrange(live_stream(live_settings.redis.prefix))
    finally:
        await redis.aclose()
    results = [{k.decode(): v.decode() for k, v in f.items()} for _id, f in entries]
    mine = [r for r in results if r["channel_id"] == call.channel_id]
    finals = [r for r in mine if r["kind"] == "final"]
    partials = [r for r in mine if r["kind"] == "partial"]
    assert partials, mine
    # The caller starts speaking GREETING_WAIT_MS after the answer; the first words
    # show up on the desk about a second later (measured 1.2-1.4 s incl. call setup).
    first = float(partials[0]["at"]) - started
    assert GREETING_WAIT_MS / 1000 < first < GREETING_WAIT_MS / 1000 + 3.0, first
    assert any(EXPECTED in r["text"].split() for r in finals), finals
    assert all(float(r["at"]) >= started for r in mine)

    # The transcript lands on the call's contact (the tap stopped at hang-up).
    db = Database(live_settings.database)
    try:
        deadline = time.monotonic() + 15
        while True:
            async with db.session() as s:
                row = await s.get(TranscriptRow, f"live:{call.channel_id}")
                contact = await s.get(ContactRow, int(finals[0]["contact_id"]))
            if row is not None and row.status == "done":
                break
            assert time.monotonic() < deadline, "live transcript not finished after hang-up"
            await asyncio.sleep(0.3)
        assert EXPECTED in row.text.split() and row.words
        assert contact is not None and contact.transcript and EXPECTED in contact.transcript
        assert contact.idempotency_key == f"call:{call.channel_id}"
    finally:
        await db.close()

    # Clean stop: no snoop or externalMedia channel is left in Asterisk.
    t = live_settings.telephony
    async with AriClient(
        base_url=t.ari_base_url,
        user=t.ari_user,
        password=t.ari_password.get_secret_value(),
        app="probe",
    ) as ari:
        left = [c.id for c in await ari.channels() if c.id.startswith("asr-")]
    assert left == []


def _live_env(s: Settings) -> dict[str, str]:
    t = s.telephony
    env = dict(os.environ)
    env.update(
        {
            "LIANDONG_DATABASE__URL": s.database.url,
            "LIANDONG_REDIS__URL": s.redis.url,
            "LIANDONG_REDIS__PREFIX": s.redis.prefix,
            "LIANDONG_ASR__MODELS": json.dumps(s.asr.models),
            "LIANDONG_ASR__LANGUAGE": s.asr.language,
            "LIANDONG_ASR__LIVE_SCAN_S": "0.5",
            "LIANDONG_TELEPHONY__HTTP_PORT": str(t.http_port),
            "LIANDONG_TELEPHONY__ARI_USER": t.ari_user,
            "LIANDONG_TELEPHONY__ARI_PASSWORD": t.ari_password.get_secret_value(),
            "LIANDONG_LOG_JSON": "false",
        }
    )
    return env


async def _app_registered(settings: Settings, proc: subprocess.Popen[bytes]) -> None:
    """Wait until Asterisk lists the ASR worker's Stasis app (its websocket is up)."""
    t = settings.telephony
    auth = (t.ari_user, t.ari_password.get_secret_value())
    url = f"{t.ari_base_url}/ari/applications/{settings.asr.ari_app}"
    deadline = time.monotonic() + 90
    async with httpx.AsyncClient(auth=auth, timeout=5) as http:
        while (await http.get(url)).status_code != 200:
            assert proc.poll() is None, "the ASR worker exited before it registered"
            assert time.monotonic() < deadline, "the ASR worker never registered on ARI"
            await asyncio.sleep(0.2)


async def test_live_worker_killed_mid_call_resumes_and_the_call_goes_on(
    live_settings: Settings,
    speech: dict[str, Path],
    stasis_app: None,
    intake_worker: None,
    tmp_path: Path,
) -> None:
    wav = sounds.concat([speech["wav"]] * 6, tmp_path / "said.wav", gap_s=1.0)
    ulaw = ulaw_of(wav)
    pcap = write_pcap(ulaw, tmp_path / "said.pcap")
    victim = subprocess.Popen(
        [sys.executable, "-m", "liandong", "asr", "worker", "--live", "--name", "victim"],
        env=_live_env(live_settings),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # The call starts only once the victim listens on ARI: on a loaded machine loading
    # Python and the Vosk model can take longer than the call lasts.
    try:
        await _app_registered(live_settings, victim)
    except BaseException:
        victim.kill()  # never leave the worker behind when it did not come up
        raise
    call = asyncio.create_task(
        _speaking_call(
            live_settings.telephony, pcap, len(ulaw) // 8 + 3000, tmp_path, "13900003333"
        )
    )
    redis = Redis.from_url(live_settings.redis.url)
    stream = live_stream(live_settings.redis.prefix)
    stop, ready = asyncio.Event(), asyncio.Event()
    rescuer: asyncio.Task[None] | None = None
    try:
        deadline = time.monotonic() + 40
        while not await redis.xlen(stream):  # the victim transcribes …
            assert time.monotonic() < deadline, "the subprocess never tapped the call"
            await asyncio.sleep(0.2)
        victim.send_signal(signal.SIGKILL)  # … and dies mid-call
        victim.wait(10)
        killed_at = time.time()
        rescuer = asyncio.create_task(
            run_asr_worker(
                live_settings, "rescuer", stop, live=True, install_signals=False, ready=ready
            )
        )
        await call  # sipp exits 0: the call went on to its BYE
    finally:
        if victim.poll() is None:
            victim.kill()
        entries: Any = await redis.xrange(stream)
        await redis.aclose()
        stop.set()
        if rescuer is not None:
            await asyncio.wait_for(rescuer, 20)
    after = [
        {k.decode(): v.decode() for k, v in f.items()}
        for _id, f in entries
        if float(f[b"at"]) > killed_at
    ]
    assert any(r["kind"] == "partial" for r in after), after
    assert any(r["kind"] == "final" and EXPECTED in r["text"].split() for r in after), after
    [contact] = await phone_contacts(live_settings)
    db = Database(live_settings.database)
    try:
        async with db.session() as s:
            row = await s.get(TranscriptRow, f"live:{contact.channel_id}")
        assert row is not None and EXPECTED in row.text.split()
    finally:
        await db.close()
    t = live_settings.telephony
    async with AriClient(
        base_url=t.ari_base_url,
        user=t.ari_user,
        password=t.ari_password.get_secret_value(),
        app="probe",
    ) as ari:
        # The orphans of the killed worker were hung up by the rescuer.
        assert [c.id for c in await ari.channels() if c.id.startswith("asr-")] == []
