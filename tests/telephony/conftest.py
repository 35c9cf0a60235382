"""A real Asterisk 22 for the telephony tests, started once per session.

The Debian sid root is built (debootstrap) on the first run and reused from
var/asterisk-root afterwards, shared with `make run`. The session's Asterisk is its
own instance (own config, run, log dirs) on free ports with throwaway credentials,
so it runs beside a developer's Asterisk. In CI nothing here is ever skipped:
without root or sipp the session fails loudly.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from liandong.queue.worker import run_worker
from liandong.settings import Settings
from liandong.testing import free_port
from telephony import rootfs, runner
from telephony.app import run_telephony
from telephony.settings import TelephonySettings
from tests.telephony.helpers import free_udp_port

ROOT = Path(__file__).resolve().parents[2]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"telephony tests cannot run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def asterisk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TelephonySettings]:
    if shutil.which("sipp") is None:
        _unavailable("sipp is not installed (scripts/bootstrap.sh installs sip-tester)")
    if not rootfs.is_root():
        _unavailable("building and chrooting the Asterisk root needs root")
    low = 20000 + (os.getpid() % 400) * 100  # RTP ports of this session
    t = TelephonySettings(
        rootfs=ROOT / "var" / "asterisk-root",
        instance=f"test-{os.getpid()}",
        sip_port=free_udp_port(),
        http_port=free_port(),
        rtp_ports=(low, low + 99),
        ari_password=SecretStr(secrets.token_hex(12)),
        seat_secret=SecretStr(secrets.token_hex(12)),
        fallback_ring_s=5,
    )
    rootfs.setup(t, echo=print)  # cached after the first run
    var_dir = tmp_path_factory.mktemp("asterisk")
    try:
        runner.start(t, var_dir, wait_s=60)
        yield t
    finally:
        runner.stop(t, var_dir)
        rootfs.remove_instance(t)


@pytest.fixture
def tel_settings(settings: Settings, asterisk: TelephonySettings) -> Settings:
    """The test's database and Redis prefix, with the session's Asterisk."""
    return settings.model_copy(update={"telephony": asterisk})


@pytest.fixture
async def stasis_app(tel_settings: Settings) -> AsyncIterator[None]:
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(
        run_telephony(tel_settings, stop, install_signals=False, ready=ready)
    )
    await asyncio.wait_for(ready.wait(), 15)
    yield
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
