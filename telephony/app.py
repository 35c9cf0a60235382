"""The Stasis application process: ARI events in, one sequential session per call.

Events of one channel are handled strictly in order by that channel's session task
(an asyncio.Queue per channel), while different calls proceed concurrently. The
reader never waits for a handler, so a slow database write for one caller delays
no other caller's events (the failure mode that stalls asyncari's pattern).

``run_telephony`` is the composition root of the process (``liandong asterisk app``).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from contextlib import AsyncExitStack

from liandong.cases.missed import MissedCallRecorder
from liandong.container import build
from liandong.settings import Settings
from telephony.ari import AriClient
from telephony.errors import AriError, AriNotFound
from telephony.events import (
    ApplicationReplaced,
    AriConnected,
    AriDisconnected,
    ChannelDestroyed,
    Event,
    StasisEnd,
    StasisStart,
)
from telephony.service import CallService
from telephony.state import Call
from telephony.store import RedisCallStore

log = logging.getLogger(__name__)


class StasisApp:
    def __init__(self, ari: AriClient, service: CallService) -> None:
        self.ari = ari
        self.service = service
        self.ready = asyncio.Event()  # connected and the holding bridge exists
        self._sessions: dict[str, asyncio.Queue[Event]] = {}

    @property
    def active_calls(self) -> int:
        return len(self._sessions)

    async def run(self) -> None:
        async for event in self.ari.events():
            if isinstance(event, AriConnected):
                await self._connected(event)
            elif isinstance(event, AriDisconnected):
                self.ready.clear()
                log.warning("ARI connection lost", extra={"reason": event.reason})
            elif isinstance(event, ApplicationReplaced):
                log.error("another process registered Stasis app %r", self.ari.app)
            else:
                self._route(event)

    async def _connected(self, event: AriConnected) -> None:
        try:
            await self.service.prepare()
        except AriError:
            log.exception("holding bridge not created")
        log.info("Stasis app ready", extra={"app": self.ari.app, "reconnect": event.reconnect})
        self.ready.set()

    def _route(self, event: Event) -> None:
        cid = event.channel_id
        if cid is None:
            return
        queue = self._sessions.get(cid)
        if queue is None:
            if not isinstance(event, StasisStart):
                return  # not a call of ours (or one that already left Stasis)
            queue = asyncio.Queue()
            self._sessions[cid] = queue
            self.ari.spawn(self._session(cid, queue), name=f"call-{cid}")
        queue.put_nowait(event)

    async def _session(self, cid: str, queue: asyncio.Queue[Event]) -> None:
        call: Call | None = None
        try:
            while True:
                event = await queue.get()
                try:
                    call = await self.service.handle(call, event)
                except AriNotFound:
                    log.info("channel gone mid-step", extra={"channel": cid})
                except Exception:
                    # One call's failure must never end the app (and every other call).
                    log.exception("call handling failed", extra={"channel": cid})
                if isinstance(event, StasisEnd | ChannelDestroyed):
                    return
        finally:
            self._sessions.pop(cid, None)


async def run_telephony(
    settings: Settings,
    stop: asyncio.Event | None = None,
    *,
    install_signals: bool = True,
    ready: asyncio.Event | None = None,
) -> None:
    """Run the Stasis app until ``stop`` is set (SIGTERM/SIGINT when installed)."""
    stop = stop or asyncio.Event()
    if install_signals:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
    t = settings.telephony
    async with AsyncExitStack() as stack:
        c = await build(settings, stack)
        ari = await stack.enter_async_context(AriClient.from_settings(t))
        store = RedisCallStore(c.redis, prefix=settings.redis.prefix, ttl_s=t.state_ttl_s)
        missed = MissedCallRecorder(c.db, c.workqueue, c.orgmap, c.clock)
        app = StasisApp(ari, CallService(ari, c.intake, store, t, missed=missed))
        ari.spawn(app.run(), name="stasis-dispatch")
        if ready is not None:
            ari.spawn(_relay_ready(app.ready, ready), name="ready")
        log.info("telephony started", extra={"ari": t.ari_base_url, "app": t.app})
        await stop.wait()
        log.info("telephony stopping", extra={"active_calls": app.active_calls})


async def _relay_ready(source: asyncio.Event, target: asyncio.Event) -> None:
    await source.wait()
    target.set()
