"""How the composition root builds telephony's process: the Stasis application with its
call, call-taker, recording and command services (``build_telephony``), and ARI clients
for any Stasis application (``ari_client``). The API side is ``telephony.calls.wiring``."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import select

from core.cases.tables import CaseRow, ContactRow
from core.storage.engine import Database
from core.triage.missed import MissedCallRecorder
from core.wiring import CoreServices
from telephony.ari.client import AriClient
from telephony.asterisk.config import seat_names
from telephony.calls.app import StasisApp
from telephony.calls.commands import Command, CommandServer
from telephony.calls.control import CallTakerService
from telephony.calls.geoloc_fetch import LocationFetcher
from telephony.calls.journal import CaseJournal
from telephony.calls.recording import RecordingService
from telephony.calls.service import CallService
from telephony.calls.store import RedisCallStore
from telephony.seats.distributor import Distributor
from telephony.seats.service import SeatService
from telephony.seats.store import RedisSeatStore
from telephony.seats.wiring import SEAT_STATE_OP, work_ranks
from telephony.settings import TelephonySettings

log = logging.getLogger(__name__)


@dataclass
class Telephony:
    """The telephony process's parts: run them with ``run``."""

    app: StasisApp
    ari: AriClient
    journal: CaseJournal
    commands: CommandServer
    settings: TelephonySettings
    seats: SeatService
    distributor: Distributor

    async def run(
        self,
        stop: asyncio.Event,
        *,
        ready: asyncio.Event | None = None,
        expose: Callable[[StasisApp], None] | None = None,
    ) -> None:
        ari = self.ari
        ari.spawn(self.app.run(), name="stasis-dispatch")
        ari.spawn(self.journal.run(), name="case-journal")
        ari.spawn(self.commands.run(), name="commands")
        ari.spawn(self.seats.run(), name="seat-presence")
        if self.settings.acd:
            ari.spawn(self.distributor.run(), name="call-distribution")
        if ready is not None:
            ari.spawn(_relay_ready(self.app.ready, ready), name="ready")
        if expose is not None:
            expose(self.app)
        t = self.settings
        log.info("telephony started", extra={"ari": t.ari_base_url, "app": t.app})
        await stop.wait()
        log.info("telephony stopping", extra={"active_calls": self.app.active_calls})
        try:
            await asyncio.wait_for(self.journal.drain(), 5)
        except TimeoutError:
            log.warning("case log entries left unwritten at shutdown")


async def build_telephony(
    c: CoreServices, t: TelephonySettings, stack: AsyncExitStack
) -> Telephony:
    prefix = c.settings.redis.prefix
    ari = await stack.enter_async_context(ari_client(t))
    fetcher = await stack.enter_async_context(LocationFetcher(t))
    store = RedisCallStore(c.redis, prefix=prefix, ttl_s=t.state_ttl_s)
    missed = MissedCallRecorder(c.db, c.workqueue, c.orgmap, c.clock)
    journal = CaseJournal(c.cases)
    legs: dict[str, str] = {}
    service = CallService(ari, c.intake, store, t, missed=missed, locate=fetcher.fetch)
    control = CallTakerService(
        ari,
        service,
        store,
        t,
        legs=legs,
        journal=journal,
        contacts=lambda contact_id: _contact_lookup(c.db, contact_id),
    )
    service.hooks = control
    recordings = RecordingService(c.redis, prefix=prefix, store=store, journal=journal, settings=t)
    app = StasisApp(ari, service, control, store, recordings)
    seats = SeatService(
        RedisSeatStore(c.redis, prefix=prefix, seats=seat_names(t.seats)), ari, c.db, t
    )
    control.watchers.append(seats.call_saved)
    distributor = Distributor(
        seats, store, app.command, partial(work_ranks, c.redis, c.workqueue.item_prefix),
        ari.spawn, tick_s=t.acd_tick_s, overflow_s=t.acd_overflow_s,
    )  # fmt: skip

    async def handle(cmd: Command) -> dict[str, Any]:
        return await (seats.command(cmd) if cmd.op == SEAT_STATE_OP else app.command(cmd))

    commands = CommandServer(c.redis, prefix=prefix, handler=handle, spawn=ari.spawn)
    return Telephony(app, ari, journal, commands, t, seats, distributor)


async def _contact_lookup(db: Database, contact_id: int) -> tuple[str, str, str] | None:
    async with db.session() as s:
        row = (
            await s.execute(
                select(ContactRow.sender, ContactRow.hotline, CaseRow.number)
                .join(CaseRow, CaseRow.id == ContactRow.case_id)
                .where(ContactRow.id == contact_id)
            )
        ).first()
    if row is None:
        return None
    sender, hotline, number = row
    return str(sender), str(hotline or "12345"), str(number)


async def _relay_ready(source: asyncio.Event, target: asyncio.Event) -> None:
    await source.wait()
    target.set()


def ari_client(t: TelephonySettings, app: str | None = None) -> AriClient:
    """An ARI client of the Stasis application ``app`` (the call app by default), not
    yet connected: ``async with`` it."""
    return AriClient(
        base_url=t.ari_base_url,
        user=t.ari_user,
        password=t.ari_password.get_secret_value(),
        app=app or t.app,
        ping_interval_s=t.ping_interval_s,
        ping_timeout_s=t.ping_timeout_s,
        reconnect_initial_s=t.reconnect_initial_s,
        reconnect_max_s=t.reconnect_max_s,
        request_timeout_s=t.request_timeout_s,
    )
