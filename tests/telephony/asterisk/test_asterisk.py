"""The rendered configuration as the real Asterisk sees it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from liandong.settings import Settings
from telephony.ari.events import AriConnected, AriDisconnected
from telephony.asterisk import runner
from telephony.settings import TelephonySettings
from telephony.wiring import ari_client
from tests.telephony.helpers import asterisk_log, phone_contacts, sipp

pytestmark = pytest.mark.anyio


def test_asterisk_22_starts_clean_with_ari_on_loopback(asterisk: TelephonySettings) -> None:
    info = runner.ari_info(asterisk)
    assert info is not None
    assert info["system"]["version"].startswith("22.")
    assert info["config"]["setid"]["user"] == "asterisk"  # dropped root after start-up
    # Every config file parsed and every listed module loaded: no ERROR at start-up.
    errors = [line for line in asterisk_log(asterisk).splitlines() if " ERROR[" in line]
    assert errors == []


async def test_an_invite_from_an_unknown_address_is_refused(
    tel_settings: Settings, stasis_app: None, tmp_path: Path
) -> None:
    # 127.0.0.2 is not in trunk_match and "sipp" is no seat: no endpoint, no call.
    rc, out = await sipp(tel_settings.telephony, "110", local_ip="127.0.0.2", cwd=tmp_path)
    assert rc != 0, out  # sipp got a challenge/refusal instead of 200 OK
    assert await phone_contacts(tel_settings) == []


async def test_a_lost_websocket_is_reopened_and_announced(asterisk: TelephonySettings) -> None:
    t = asterisk.model_copy(update={"app": "liandong-reconnect", "reconnect_initial_s": 0.1})
    async with ari_client(t) as ari:
        events = ari.events()
        first = await asyncio.wait_for(anext(events), 10)
        assert isinstance(first, AriConnected)
        assert not first.reconnect
        await ari.drop_connection()  # as if the network cut it
        lost = await asyncio.wait_for(anext(events), 10)
        assert isinstance(lost, AriDisconnected)
        again = await asyncio.wait_for(anext(events), 10)
        assert isinstance(again, AriConnected)
        assert again.reconnect
        assert ari.connections == 2
        assert (await ari.info())["system"]["version"].startswith("22.")
