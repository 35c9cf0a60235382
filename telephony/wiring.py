"""How the composition root builds telephony.

For the API processes: the call store (reads) and the command client (changes go to
the telephony process, which owns call control), kept in ``app.state.calls`` for the
routes (``CallsContext``). For the telephony process: the Stasis application with its
call, call-taker, recording and command services (``build_telephony``)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from sqlalchemy import select

from core.cases.tables import CaseRow, ContactRow
from core.clock import Clock
from core.deps import state
from core.storage.engine import Database
from core.triage.missed import MissedCallRecorder
from core.wiring import CoreServices
from telephony.app import StasisApp
from telephony.ari import AriClient
from telephony.commands import CommandClient, CommandServer
from telephony.control import CallTakerService
from telephony.geoloc_fetch import LocationFetcher
from telephony.journal import CaseJournal
from telephony.recording import RecordingService
from telephony.service import CallService
from telephony.settings import TelephonySettings
from telephony.store import RedisCallStore


@dataclass
class CallsApi:
    store: RedisCallStore
    commands: CommandClient
    clock: Clock


def build_calls_api(core: CoreServices, settings: TelephonySettings) -> CallsApi:
    prefix = core.settings.redis.prefix
    return CallsApi(
        RedisCallStore(core.redis, prefix=prefix, ttl_s=settings.state_ttl_s),
        CommandClient(core.redis, prefix=prefix, timeout_s=settings.command_timeout_s),
        core.clock,
    )


log = logging.getLogger(__name__)

CallsContext = Annotated[CallsApi, Depends(state("calls"))]


@dataclass
class Telephony:
    """The telephony process's parts: run them with ``run``."""

    app: StasisApp
    ari: AriClient
    journal: CaseJournal
    commands: CommandServer
    settings: TelephonySettings

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
    ari = await stack.enter_async_context(AriClient.from_settings(t))
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
    commands = CommandServer(c.redis, prefix=prefix, handler=app.command, spawn=ari.spawn)
    return Telephony(app, ari, journal, commands, t)


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
