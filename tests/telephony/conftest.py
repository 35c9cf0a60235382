"""A real Asterisk 22 for the telephony tests, started once per session
(tests/support/asterisk.py: own instance, ports and credentials; never skipped in CI),
with the Stasis app and the intake worker as fixtures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest

from liandong.processes.intake import run_worker
from liandong.processes.telephony import run_telephony
from liandong.settings import Settings
from telephony.calls.app import StasisApp
from telephony.settings import TelephonySettings
from tests.support.asterisk import private_asterisk, telephony_for_tests, unit_trunks
from tests.support.servers import free_port


@pytest.fixture(scope="session")
def fastagi_port() -> int:
    """Where the session's dialplan sends 12345/12315 for the IVR (FastAGI, ivr/);
    nothing listens there unless a test starts the server (then: straight to Stasis)."""
    return free_port()


@pytest.fixture(scope="session")
def asterisk(
    tmp_path_factory: pytest.TempPathFactory, fastagi_port: int
) -> Iterator[TelephonySettings]:
    t = telephony_for_tests("test", outbound_trunks=unit_trunks())
    with private_asterisk(t, tmp_path_factory, agi_address=f"127.0.0.1:{fastagi_port}"):
        yield t


@pytest.fixture
def tel_settings(settings: Settings, asterisk: TelephonySettings) -> Settings:
    """The test's database and Redis prefix, with the session's Asterisk."""
    return settings.model_copy(update={"telephony": asterisk})


@pytest.fixture
async def stasis_app(tel_settings: Settings) -> AsyncIterator[StasisApp]:
    stop, ready = asyncio.Event(), asyncio.Event()
    exposed: list[StasisApp] = []
    task = asyncio.create_task(
        run_telephony(tel_settings, stop, install_signals=False, ready=ready,
                      expose=exposed.append)
    )  # fmt: skip
    await asyncio.wait_for(ready.wait(), 15)
    yield exposed[0]
    stop.set()
    await asyncio.wait_for(task, 15)


@pytest.fixture
async def intake_worker(tel_settings: Settings) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_worker(tel_settings, "telephony-test-worker", stop, install_signals=False)
    )
    yield
    stop.set()
    await asyncio.wait_for(task, 10)
