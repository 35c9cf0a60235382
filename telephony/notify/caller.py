"""The ``voice`` channel: call the person through the carrier trunk, read the notice,
and take "按1确认收到" by DTMF.

Its own ARI application (``TelephonySettings.notify.app``) over its own websocket;
each call is originated with a channel id we choose (``notice-<delivery>-<attempt>``),
so its events reach it before ARI even answers the originate (``telephony.ari.calls``
for what answered and a key mean: a key during the reading counts).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from core.delivery.errors import SendFailed
from core.delivery.models import Channel, Outcome
from core.delivery.ports import Outgoing, Sent
from telephony.ari.calls import CallEvents
from telephony.ari.client import AriClient
from telephony.ari.errors import AriError, AriUnreachable
from telephony.asterisk.rootfs import SOUNDS, exe, inside
from telephony.calls.dialing import number
from telephony.notify.speech import CONFIRM, THANKS, NoticeSpeech
from telephony.settings import TelephonySettings

log = logging.getLogger(__name__)
PROVIDER = "asterisk"


class VoiceNoticeSender:
    channel = Channel.voice.value

    def __init__(self, telephony: TelephonySettings, ari: AriClient, speech: NoticeSpeech) -> None:
        """``ari``: a client of the notice application, not yet connected."""
        self.t = telephony
        self.s = telephony.notify
        self.ari = ari
        self.speech = speech
        self.calls: dict[str, CallEvents] = {}

    @contextlib.asynccontextmanager
    async def connected(self, limit_s: float = 0) -> AsyncIterator[VoiceNoticeSender]:
        """Connect for the block; wait up to ``limit_s`` for the websocket (0: not at
        all, the client connects in the background and reconnects on its own)."""
        async with self.ari as ari:
            ari.spawn(self._route(ari), name="notice-events")
            try:
                if limit_s > 0:
                    await ari.wait_connected(limit_s)
            except AriUnreachable:
                # The client keeps reconnecting; meanwhile voice attempts fail over
                # to the next channel instead of stopping the worker.
                log.warning("voice notices: ARI not reachable yet")
            yield self

    async def _route(self, ari: AriClient) -> None:
        async for event in ari.events():
            cid = event.channel_id
            if cid is not None and cid in self.calls:
                self.calls[cid].feed(event)

    async def send(self, out: Outgoing) -> Sent:
        if not self.ari.connected:
            raise SendFailed("ARI is not connected", provider=PROVIDER)
        text = f"{out.text}。{CONFIRM}" if out.requires_ack else out.text
        try:
            media, seconds = await asyncio.to_thread(self.speech.render, text)
        except (OSError, RuntimeError, ValueError) as exc:
            raise SendFailed("语音合成失败", permanent=True, provider="espeak-ng") from exc
        channel_id = f"notice-{out.delivery_id}-{out.attempt}"
        call = self.calls[channel_id] = CallEvents()
        try:
            try:
                await self.ari.originate(
                    number(self.t, out.address).endpoint,
                    app=self.s.app,
                    app_args="notice",
                    caller_id=self.s.caller_id,
                    timeout_s=self.s.ring_s,
                    channel_id=channel_id,
                )
            except AriError as exc:
                raise SendFailed(exc.message, provider=PROVIDER) from exc
            if not await call.answered(self.s.ring_s + 10):
                log.info("notice call not answered", extra={"channel_id": channel_id})
                return Sent(Outcome.unanswered, PROVIDER, channel_id)
            outcome = await self._read(channel_id, call, media, seconds, out.requires_ack)
            if not call.gone:
                with contextlib.suppress(AriError):
                    await self.ari.hangup(channel_id)
            return Sent(outcome, PROVIDER, channel_id)
        finally:
            self.calls.pop(channel_id, None)

    async def _read(
        self, channel_id: str, call: CallEvents, media: str, seconds: float, ask: bool
    ) -> Outcome:
        rounds = self.s.rounds if ask else 1
        for n in range(rounds):
            playback = f"{channel_id}-r{n}"
            try:
                await self.ari.play(channel_id, [media], playback_id=playback)
            except AriError:
                if call.gone:
                    return Outcome.unanswered
                raise
            deadline = asyncio.get_running_loop().time() + seconds + self.s.digit_timeout_s
            while (left := deadline - asyncio.get_running_loop().time()) > 0:
                key = await call.key(left if ask else seconds + 0.5)
                log.debug("notice call key", extra={"channel_id": channel_id, "key": key})
                if key == "" or call.gone:
                    return Outcome.unanswered
                if key is None or not ask:
                    break
                if key == "1":
                    with contextlib.suppress(AriError):  # finished already: 404
                        await self.ari.stop_playback(playback)
                    await self._thank(channel_id, call)
                    return Outcome.acknowledged
            if not ask:
                return Outcome.sent
        return Outcome.unanswered

    async def _thank(self, channel_id: str, call: CallEvents) -> None:
        """Tell the person the key was taken, then let the line go quiet."""
        media, seconds = await asyncio.to_thread(self.speech.render, THANKS)
        with contextlib.suppress(AriError):
            await self.ari.play(channel_id, [media], playback_id=f"{channel_id}-thanks")
            await call.key(seconds + 0.3)  # returns early if they hang up


def speech_for(t: TelephonySettings) -> NoticeSpeech:
    """Notices rendered into the Asterisk root this process runs (``liandong asterisk
    setup``); a remote Asterisk needs that directory shared."""
    sounds = inside(t.rootfs, str(Path(SOUNDS).parent))
    return NoticeSpeech(sounds, t.espeak_voice, exe("espeak-ng"), exe("sox"), t.notify.speed)
