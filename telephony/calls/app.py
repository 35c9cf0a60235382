"""The Stasis application process: ARI events and API commands in, one sequential
session per call.

Everything about one call - its channel's events, its legs' events (seat phone,
unit, snoop), the call takers' commands, reconciliation after a reconnect - goes
through that call's session queue and is handled strictly in order, while different
calls proceed concurrently. The reader never waits for a handler, so a slow database
write for one caller delays no other caller's events (the failure mode that stalls
asyncari's pattern).

``telephony.wiring.build_telephony`` builds it; the shell runs it as a process
(``liandong asterisk app``, ``liandong.processes.telephony``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from core.errors import LiandongError
from telephony.ari.client import AriClient
from telephony.ari.errors import AriError, AriNotFound
from telephony.ari.events import (
    ApplicationReplaced,
    AriConnected,
    AriDisconnected,
    Channel,
    ChannelDestroyed,
    Event,
    RecordingFinished,
    StasisEnd,
    StasisStart,
)
from telephony.calls.commands import Command, ok_reply
from telephony.calls.control import LEG_ROLES, CallTakerService
from telephony.calls.errors import NoSuchCall, TelephonyUnavailable
from telephony.calls.recording import RecordingService
from telephony.calls.service import CallService
from telephony.calls.state import Call
from telephony.calls.store import RedisCallStore

log = logging.getLogger(__name__)


@dataclass
class Pending:
    """A command waiting for its call's session; the session sets the reply."""

    cmd: Command
    reply: asyncio.Future[dict[str, Any]] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


@dataclass(frozen=True)
class Reconcile:
    """Adopt the call again: what Asterisk has now (GET /channels)."""

    channels: dict[str, Channel]
    # Asterisk restarted meanwhile: a call not among ``channels`` was cut, not ended.
    restarted: bool = False


Item = Event | Pending | Reconcile


class StasisApp:
    def __init__(
        self,
        ari: AriClient,
        service: CallService,
        control: CallTakerService | None = None,
        store: RedisCallStore | None = None,
        recordings: RecordingService | None = None,
    ) -> None:
        self.ari = ari
        self.service = service
        self.control = control
        self.store = store
        self.recordings = recordings
        self.ready = asyncio.Event()  # connected, reconciled, holding bridge exists
        self._sessions: dict[str, asyncio.Queue[Item]] = {}
        self.legs: dict[str, str] = control.legs if control is not None else {}  # type: ignore[assignment]

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
            elif isinstance(event, RecordingFinished):
                if self.recordings is not None:
                    self.ari.spawn(self._recorded(event), name=f"rec-{event.recording.name}")
            else:
                self._route(event)

    async def _recorded(self, event: RecordingFinished) -> None:
        if self.recordings is None:
            return
        try:
            await self.recordings.finished(event.recording)
        except Exception:
            log.exception("recording not submitted", extra={"recording": event.recording.name})

    async def _connected(self, event: AriConnected) -> None:
        try:
            await self.service.prepare()
        except AriError:
            log.exception("holding bridge not created")
        try:
            await self._reconcile()
        except Exception:
            log.exception("reconciliation failed")
        log.info("Stasis app ready", extra={"app": self.ari.app, "reconnect": event.reconnect})
        self.ready.set()

    async def _reconcile(self) -> None:
        """After every (re)connection: calls we persisted are adopted when their channel
        is still in Asterisk, and ended when it is not. Events missed while the
        websocket was down are thereby made up for."""
        if self.store is None or self.control is None:
            return
        info = await self.ari.info()
        started = str(info.get("status", {}).get("startup_time", ""))
        restarted = bool(started) and await self.store.asterisk_restarted(started)
        if restarted:
            log.warning("Asterisk restarted: its calls become call-back items")
        channels = {c.id: c for c in await self.ari.channels()}
        for call in await self.store.live():
            self._session_for(call.channel_id, call).put_nowait(Reconcile(channels, restarted))

    def _session_for(self, cid: str, call: Call | None = None) -> asyncio.Queue[Item]:
        queue = self._sessions.get(cid)
        if queue is None:
            queue = asyncio.Queue()
            self._sessions[cid] = queue
            self.ari.spawn(self._session(cid, queue, call), name=f"call-{cid}")
        return queue

    def _route(self, event: Event) -> None:
        cid = event.channel_id
        if cid is None:
            return
        owner = self.legs.get(cid)
        if (
            owner is None
            and isinstance(event, StasisStart)
            and len(event.args) >= 2
            and event.args[0] in LEG_ROLES
            and event.args[1] != cid
        ):
            owner = event.args[1]  # a leg of a call adopted after a restart
        if owner is not None:
            queue = self._sessions.get(owner)
            if queue is not None:
                queue.put_nowait(event)
            elif isinstance(event, StasisStart):
                # Its call is over: nobody is on the other end of this leg.
                self.ari.spawn(self._hang_up_stray(cid), name=f"stray-{cid}")
            return
        queue = self._sessions.get(cid)
        if queue is None:
            if not isinstance(event, StasisStart):
                return  # not a call of ours (or one that already left Stasis)
            if event.args and not event.args[0].isdigit():
                # A channel another component put into our app (a snoop for live
                # ASR, "asr,<call>" …): not a hotline call, not ours to answer.
                log.debug("StasisStart with args %r ignored", event.args)
                return
            queue = self._session_for(cid)
        queue.put_nowait(event)

    async def _hang_up_stray(self, channel_id: str) -> None:
        with contextlib.suppress(AriError):
            await self.ari.hangup(channel_id)

    # --- commands from the API (telephony.calls.commands) ---------------------------------
    async def command(self, cmd: Command) -> dict[str, Any]:
        if self.control is None or self.store is None:
            raise TelephonyUnavailable("call control is not enabled in this process")
        if cmd.op == "callback":
            cid = f"cb-{secrets.token_hex(6)}"
            cmd = Command(cmd.id, cmd.op, cid, cmd.actor, cmd.deadline, cmd.args)
            queue = self._session_for(cid)
        elif cmd.channel_id in self._sessions:
            queue = self._sessions[cmd.channel_id]
        else:
            call = await self.store.get(cmd.channel_id)
            if call is None or not call.live:
                raise NoSuchCall(
                    f"no live call {cmd.channel_id}", details={"channel_id": cmd.channel_id}
                )
            queue = self._session_for(cmd.channel_id, call)
        pending = Pending(cmd)
        queue.put_nowait(pending)
        try:
            return await asyncio.wait_for(
                asyncio.shield(pending.reply), max(0.1, cmd.deadline - time.time())
            )
        except TimeoutError:
            raise TelephonyUnavailable(
                "the call's session is busy", details={"op": cmd.op}
            ) from None

    # --- one call's session ---------------------------------------------------------
    async def _session(self, cid: str, queue: asyncio.Queue[Item], call: Call | None) -> None:
        try:
            while True:
                item = await queue.get()
                try:
                    call = await self._handle(cid, call, item)
                except AriNotFound:
                    log.info("channel gone mid-step", extra={"channel": cid})
                except Exception:
                    # One call's failure must never end the app (and every other call).
                    log.exception("call handling failed", extra={"channel": cid})
                finally:
                    if isinstance(item, Pending) and not item.reply.done():
                        item.reply.set_exception(
                            TelephonyUnavailable("command failed", details={"op": item.cmd.op})
                        )
                if isinstance(item, StasisEnd | ChannelDestroyed) and item.channel_id == cid:
                    return
                if call is not None and not call.live:
                    return
                if call is None and isinstance(item, Reconcile | Pending):
                    return
        finally:
            self._sessions.pop(cid, None)
            if self.control is not None:
                self.control.forget(cid)
            while not queue.empty():  # commands that arrived as the call ended
                left = queue.get_nowait()
                if isinstance(left, Pending) and not left.reply.done():
                    left.reply.set_exception(NoSuchCall(f"call {cid} has ended"))

    async def _handle(self, cid: str, call: Call | None, item: Item) -> Call | None:
        control = self.control
        if isinstance(item, Pending):
            if control is None:
                item.reply.set_exception(TelephonyUnavailable("call control is off"))
                return call
            try:
                call = await control.command(call, item.cmd)
            except LiandongError as exc:  # refused (409, 422 …): the call is unchanged
                item.reply.set_exception(exc)
                return call
            except Exception as exc:
                item.reply.set_exception(exc)
                raise
            item.reply.set_result(ok_reply(call))
            return call
        if isinstance(item, Reconcile):
            if control is None or call is None:
                return call
            return await control.reconcile(call, item.channels, restarted=item.restarted)
        if control is not None and call is not None:
            if item.channel_id != cid:
                return await control.leg_event(call, item)
            if isinstance(item, StasisStart) and item.args[:1] == ("citizen",):
                return await control.citizen_answered(call)
        return await self.service.handle(call, item)
