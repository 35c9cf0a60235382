"""Live transcription of callers, tapped over ARI without touching the call.

For every call in a tap state (``queued`` and later; read from the telephony app's
``{prefix}:tel:events`` stream and, every few seconds, from its live-call set
``{prefix}:tel:live``), with our *own* Stasis app (``liandong-asr``):

    caller ──snoop(spy=in)──▶ asr-snoop-… ─┐
                                           ├─ mixing bridge asr-br-<caller>
    RTP slin16 ◀── externalMedia asr-em-… ─┘   → UDP socket here → Vosk

The call itself is never bridged, answered or hung up by us: if this process dies
the snoop and externalMedia channels are orphaned, never the caller. A restarted
worker finds the call in ``tel:live``, hangs up the orphans of that call and taps it
again; the transcript row ``live:<channel>`` is appended to, so transcription
resumes. When the caller hangs up Asterisk destroys the snoop channel
(ChannelDestroyed) and the telephony app publishes ``ended``: either stops the tap,
which flushes the last words and removes its channels and bridge.

A Redis key ``{prefix}:asr:tap:<channel>`` (SET NX, short TTL refreshed while
tapping) makes one live worker tap each call when several run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from asr.models import LiveKind, LiveResult, Word
from asr.ports import LiveCall, LiveCalls
from asr.publisher import LivePublisher
from asr.rtp import RtpReceiver, open_receiver
from asr.settings import AsrSettings
from asr.store import TranscriptStore
from asr.vosk_engine import StreamDecoder, VoskModel
from core.aio import sleep_or_stop
from telephony.ari.client import AriClient
from telephony.ari.errors import AriError
from telephony.ari.events import AriConnected, ChannelDestroyed, StasisEnd

log = logging.getLogger(__name__)
FEED_S = 0.1  # feed Vosk every 100 ms of audio: partials well within a second
LOCK_TTL_MS = 6000
PARTIAL_EVERY_S = 0.3  # a partial costs a lattice search; the desk needs no more
ENDED_STATES = frozenset({"ended", "fallback"})


class LiveTap:
    def __init__(self, svc: LiveService, call: LiveCall) -> None:
        self.svc = svc
        self.call = call
        nonce = secrets.token_hex(3)
        self.snoop_id = f"asr-snoop-{call.channel_id}-{nonce}"
        self.em_id = f"asr-em-{call.channel_id}-{nonce}"
        self.bridge_id = f"asr-br-{call.channel_id}"
        self.receiver: RtpReceiver | None = None
        self.decoder = StreamDecoder(svc.model, svc.settings.language)
        self.stopping = asyncio.Event()
        self.started_at = time.time()
        self.finals = 0
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        ari, s = self.svc.ari, self.svc.settings
        self.receiver = await open_receiver(s.rtp_host)
        try:
            await self.svc.remove_orphans(self.call.channel_id)
            await ari.create_bridge(self.bridge_id, "mixing", self.bridge_id)
            await ari.external_media(
                app=s.ari_app,
                external_host=f"{s.rtp_host}:{self.receiver.port}",
                fmt="slin16",
                channel_id=self.em_id,
            )
            await ari.snoop(self.call.channel_id, app=s.ari_app, spy="in", snoop_id=self.snoop_id)
            await ari.add_to_bridge(self.bridge_id, self.em_id)
            await ari.add_to_bridge(self.bridge_id, self.snoop_id)
        except BaseException:
            await self._cleanup()
            raise
        log.info(
            "live asr tap started",
            extra={"channel_id": self.call.channel_id, "rtp_port": self.receiver.port},
        )

    async def run(self) -> None:
        if self.receiver is None:
            raise RuntimeError("LiveTap.run before start")
        queue = self.receiver.queue
        pending = bytearray()
        last_partial, last_partial_at = "", 0.0
        need = int(self.decoder.rate * FEED_S) * 2
        loop = asyncio.get_running_loop()
        try:
            while not (self.stopping.is_set() and queue.empty()):
                try:
                    pending += await asyncio.wait_for(queue.get(), 0.5)
                except TimeoutError:
                    await self.svc.refresh_lock(self.call.channel_id)
                    continue
                while not queue.empty():
                    pending += queue.get_nowait()
                if len(pending) < need and not self.stopping.is_set():
                    continue
                chunk, pending = bytes(pending), bytearray()
                want = time.time() - last_partial_at >= PARTIAL_EVERY_S
                final, words, partial = await loop.run_in_executor(
                    self.svc.pool, self.decoder.feed, chunk, want
                )
                now = time.time()
                if final:
                    await self._final(final, words, now)
                    last_partial = ""
                elif want:
                    last_partial_at = now
                    if partial and partial != last_partial:
                        last_partial = partial
                        await self.svc.publish(self.call, LiveKind.partial, partial, now)
            text, words = await loop.run_in_executor(self.svc.pool, self.decoder.finish)
            if text:
                await self._final(text, words, time.time())
            await self.svc.store.finish_live(self.call.channel_id, self.decoder.seconds)
        finally:
            await self._cleanup()
            log.info(
                "live asr tap stopped",
                extra={"channel_id": self.call.channel_id, "finals": self.finals},
            )

    async def _final(self, text: str, words: list[Word], now: float) -> None:
        self.finals += 1
        await self.svc.publish(self.call, LiveKind.final, text, now)
        if self.call.contact_id is not None:
            try:
                await self.svc.store.append_live(
                    self.call.channel_id,
                    self.call.contact_id,
                    self.svc.settings.language,
                    text,
                    words,
                    self.started_at - self.call.arrived_at,
                )
            except Exception:
                log.exception(
                    "live transcript not saved", extra={"channel_id": self.call.channel_id}
                )

    async def _cleanup(self) -> None:
        ari = self.svc.ari
        for cid in (self.snoop_id, self.em_id):
            with contextlib.suppress(AriError):
                await ari.hangup(cid)
        with contextlib.suppress(AriError):
            await ari.destroy_bridge(self.bridge_id)
        if self.receiver is not None:
            self.receiver.close()
        await self.svc.release_lock(self.call.channel_id)


class LiveService:
    def __init__(
        self,
        settings: AsrSettings,
        ari: AriClient,
        redis: Redis,
        prefix: str,
        store: TranscriptStore,
        model: VoskModel,
        name: str,
        calls: LiveCalls,
    ) -> None:
        self.settings = settings
        self.ari = ari
        self.redis = redis
        self.prefix = prefix
        self.store = store
        self.model = model
        self.name = name
        self.publisher = LivePublisher(redis, prefix=prefix, maxlen=settings.live_maxlen)
        self.calls = calls
        self.pool = ThreadPoolExecutor(settings.threads, thread_name_prefix="asr-live")
        self.taps: dict[str, LiveTap] = {}
        self._tg: asyncio.TaskGroup | None = None

    # --- coordination ----------------------------------------------------------------
    def _lock_key(self, channel_id: str) -> str:
        return f"{self.prefix}:asr:tap:{channel_id}"

    async def refresh_lock(self, channel_id: str) -> None:
        with contextlib.suppress(RedisError, OSError):
            await self.redis.set(self._lock_key(channel_id), self.name, px=LOCK_TTL_MS)

    async def release_lock(self, channel_id: str) -> None:
        with contextlib.suppress(RedisError, OSError):
            key = self._lock_key(channel_id)
            if await self.redis.get(key) in (self.name, self.name.encode()):
                await self.redis.delete(key)

    async def remove_orphans(self, channel_id: str) -> None:
        """Hang up snoop/externalMedia channels a dead worker left on this call."""
        for ch in await self.ari.channels():
            if ch.id.startswith((f"asr-snoop-{channel_id}-", f"asr-em-{channel_id}-")):
                with contextlib.suppress(AriError):
                    await self.ari.hangup(ch.id)

    async def publish(self, call: LiveCall, kind: LiveKind, text: str, at: float) -> None:
        await self.publisher.publish(LiveResult(call.channel_id, call.contact_id, kind, text, at))

    # --- taps ------------------------------------------------------------------------
    async def ensure_tap(self, call: LiveCall) -> None:
        if call.channel_id in self.taps or self._tg is None:
            return
        if call.state not in self.settings.tap_states:
            return
        got = await self.redis.set(
            self._lock_key(call.channel_id), self.name, px=LOCK_TTL_MS, nx=True
        )
        if not got:
            return  # another live worker has it (or our own dead one, for a few seconds)
        tap = LiveTap(self, call)
        self.taps[call.channel_id] = tap
        try:
            await tap.start()
        except AriError as exc:
            self.taps.pop(call.channel_id, None)
            log.warning(
                "live asr tap failed (%s: %s); retried on the next scan",
                exc.error_id,
                exc.details,
                extra={"channel_id": call.channel_id},
            )
            return
        tap.task = self._tg.create_task(self._run_tap(tap), name=f"tap-{call.channel_id}")

    async def _run_tap(self, tap: LiveTap) -> None:
        try:
            await tap.run()
        except Exception:
            log.exception("live asr tap crashed", extra={"channel_id": tap.call.channel_id})
        finally:
            self.taps.pop(tap.call.channel_id, None)

    def stop_tap(self, channel_id: str) -> None:
        tap = self.taps.get(channel_id)
        if tap is not None:
            tap.stopping.set()

    # --- inputs ----------------------------------------------------------------------
    async def scan(self) -> None:
        live = await self.calls.live_calls()
        ids = {c.channel_id for c in live}
        for c in live:
            await self.ensure_tap(c)
        for channel_id in list(self.taps):
            if channel_id not in ids:
                self.stop_tap(channel_id)

    async def _scan_loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.scan()
            except (RedisError, OSError, AriError) as exc:
                log.warning("live asr scan failed", extra={"error": str(exc)})
            await sleep_or_stop(stop, self.settings.live_scan_s)

    async def _tel_events(self, stop: asyncio.Event) -> None:
        """Telephony's call transitions: tap at once instead of at the next scan."""
        stream, last = f"{self.prefix}:tel:events", "$"
        while not stop.is_set():
            try:
                resp: Any = await self.redis.xread({stream: last}, count=100, block=1000)
            except (RedisError, OSError) as exc:
                log.warning("tel:events unreadable", extra={"error": str(exc)})
                await sleep_or_stop(stop, 1.0)
                continue
            for _s, entries in resp or []:
                for eid, raw in entries:
                    last = eid.decode() if isinstance(eid, bytes) else str(eid)
                    f = {
                        (k.decode() if isinstance(k, bytes) else k): (
                            v.decode() if isinstance(v, bytes) else v
                        )
                        for k, v in raw.items()
                    }
                    await self._on_tel_event(f)

    async def _on_tel_event(self, f: dict[str, str]) -> None:
        channel_id, state = f.get("channel_id", ""), f.get("state", "")
        if not channel_id:
            return
        if state in ENDED_STATES:
            self.stop_tap(channel_id)
            return
        contact = f.get("contact_id") or ""
        try:
            arrived = float(f.get("at") or time.time())
        except ValueError:
            arrived = time.time()
        try:
            await self.ensure_tap(
                LiveCall(channel_id, int(contact) if contact.isdigit() else None, state, arrived)
            )
        except (AriError, RedisError, OSError) as exc:
            log.warning("live asr tap on event failed", extra={"error": str(exc)})

    async def _ari_events(self, stop: asyncio.Event) -> None:
        async for ev in self.ari.events():
            if isinstance(ev, ChannelDestroyed | StasisEnd):
                for tap in list(self.taps.values()):
                    if ev.channel.id in (tap.snoop_id, tap.em_id):
                        tap.stopping.set()
            elif isinstance(ev, AriConnected) and ev.reconnect:
                with contextlib.suppress(RedisError, OSError, AriError):
                    await self.scan()
            if stop.is_set():
                return

    async def run(self, stop: asyncio.Event, ready: asyncio.Event | None = None) -> None:
        try:
            async with asyncio.TaskGroup() as tg:
                self._tg = tg
                # Without Asterisk (development) the platform runs on; we wait.
                while not self.ari.connected:
                    if await sleep_or_stop(stop, 0.2):
                        return
                helpers = [
                    tg.create_task(self._ari_events(stop), name="asr-ari-events"),
                    tg.create_task(self._tel_events(stop), name="asr-tel-events"),
                    tg.create_task(self._scan_loop(stop), name="asr-scan"),
                ]
                if ready is not None:
                    ready.set()
                await stop.wait()
                for tap in list(self.taps.values()):
                    tap.stopping.set()
                for t in helpers:
                    t.cancel()
        finally:
            self._tg = None
            self.pool.shutdown(wait=False, cancel_futures=True)
