"""Private Asterisk 22 instances for the test directories that need one.

tests/telephony, tests/asr, tests/agent_desktop and tests/feedback each start their own
instance (own config, run and log dirs, free SIP/HTTP ports, throwaway credentials)
from the Debian sid root cached in var/asterisk-root. Session fixtures live until the
session ends, so in a full run all of them are up at once: each kind gets its own
block of RTP ports here, so no two instances ever bind the same port.
In CI nothing is skipped: without root or sipp the session fails loudly.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from telephony.asterisk import rootfs, runner
from telephony.settings import OutboundTrunk, TelephonySettings
from tests.support.paths import ROOT
from tests.support.servers import free_port
from tests.telephony.helpers import free_udp_port

# 9,000-port block per kind, 100 RTP ports per pytest process inside it (six kinds
# end below 64,000).
_KINDS = ("test", "asr", "browser", "fb", "site", "notify")


def unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"Asterisk tests cannot run in CI: {reason}")
    pytest.skip(reason)


def require_asterisk_tools() -> None:
    if shutil.which("sipp") is None:
        unavailable("sipp is not installed (scripts/bootstrap.sh installs sip-tester)")
    if not rootfs.is_root():
        unavailable("building and chrooting the Asterisk root needs root")


def unit_trunks() -> list[OutboundTrunk]:
    """The units' systems and the carrier's outbound side, each a test's sipp UAS on
    its own free port."""
    return [
        OutboundTrunk(name=name, label=label, dial=dial, contact=f"sip:127.0.0.1:{free_udp_port()}")
        for name, label, dial in (
            ("police", "公安指挥中心", "110"),
            ("fire", "119指挥中心", "119"),
            ("medical", "120急救中心", "120"),
            ("carrier-out", "运营商出局", ""),
        )
    ]


def telephony_for_tests(kind: str, **overrides: Any) -> TelephonySettings:
    low = 10000 + _KINDS.index(kind) * 9000 + (os.getpid() % 90) * 100
    fields: dict[str, Any] = {
        "rootfs": ROOT / "var" / "asterisk-root",
        "instance": f"{kind}-{os.getpid()}",
        "sip_port": free_udp_port(),
        "http_port": free_port(),
        "rtp_ports": (low, low + 99),
        "ari_password": SecretStr(secrets.token_hex(12)),
        "seat_secret": SecretStr(secrets.token_hex(12)),
        "fallback_ring_s": 5,
        # sipp desk phones register and exit: OPTIONS pings would mark them offline.
        "seat_qualify_s": 0,
        "seat_ring_s": 8,
        "peer_ring_s": 8,
    }
    fields.update(overrides)
    return TelephonySettings(**fields)


@contextlib.contextmanager
def private_asterisk(
    t: TelephonySettings, tmp_path_factory: pytest.TempPathFactory, **setup: Any
) -> Iterator[TelephonySettings]:
    require_asterisk_tools()
    rootfs.setup(t, echo=print, **setup)  # the root is cached after the first build
    var_dir = tmp_path_factory.mktemp(f"asterisk-{t.instance}")
    try:
        runner.start(t, var_dir, wait_s=60)
        yield t
    finally:
        runner.stop(t, var_dir)
        rootfs.remove_instance(t)
