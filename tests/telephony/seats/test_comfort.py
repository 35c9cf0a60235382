"""A caller waiting in the queue hears real sound: the hold prompt, Asterisk's silence
(GSM, played through codec_gsm) and the comfort prompt, with no playback failing."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from liandong.settings import Settings
from telephony.asterisk import rootfs
from telephony.calls.app import StasisApp
from tests.telephony.calls.test_call_control import caller, live_call
from tests.telephony.helpers import asterisk_log
from tests.telephony.phones import ari_get, eventually

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def test_a_queued_caller_hears_the_hold_loop_and_the_comfort_prompt_without_failures(
    tel_settings: Settings,
    stasis_app: StasisApp,
    client: httpx.AsyncClient,
    calltaker: dict[str, str],
    tmp_path: Path,
) -> None:
    t = tel_settings.telephony
    sounds = rootfs.inside(t.rootfs, rootfs.SOUNDS)
    assert (sounds / "comfort.wav").stat().st_size > 8000  # synthesized at setup
    seen = len(asterisk_log(t))
    citizen = caller(t, "12345", "13800005555", 30_000, tmp_path)
    call = await live_call(client, calltaker, "queued", 20)
    cid = call["channel_id"]
    seen_media: list[str] = []

    async def comfort_playing() -> bool:
        # The hold loop is one ARI playback of a media list; its media_uri is the item
        # playing now. Reaching the comfort prompt means silence/10 before it played.
        try:
            pb = await ari_get(t, f"/playbacks/{stasis_app.service.hold_round(cid)}")
        except httpx.HTTPStatusError:
            return False
        seen_media.append(str(pb.get("media_uri")))
        return bool(pb.get("media_uri") == "sound:liandong/comfort")

    await eventually(comfort_playing, 30, "the comfort prompt playing")
    assert "sound:silence/10" in seen_media
    tail = asterisk_log(t)[seen:]
    assert "Unable to find a codec translation path" not in tail
    assert "Playback failed" not in tail
    r = await client.post(f"/api/v1/calls/{call['channel_id']}/hangup", headers=calltaker)
    assert r.status_code == 200, r.text
    await citizen
