"""Shared by the FastAGI tests: the scripts as ``liandong agi serve`` builds them, the
settings, the server fixture (conftest) and a contact filed through intake."""

from __future__ import annotations

from contextlib import AsyncExitStack

from redis.asyncio import Redis

from core.cases.intake import IntakeService
from core.cases.schemas import ContactCreate
from core.clock import Clock, utc_clock
from core.queue.outbox import StreamPublisher
from core.queue.streams import RedisStreams
from core.storage.engine import Database
from ivr.settings import IvrSettings
from liandong.settings import Settings
from liandong.wiring import build
from telephony.fastagi.server import Script
from telephony.fastagi.settings import FastAgiSettings
from telephony.fastagi.wiring import build_scripts

CALLER = "13800001234"


async def fastagi_scripts(
    s: Settings, stack: AsyncExitStack, clock: Clock = utc_clock
) -> dict[str, Script]:
    """The scripts as ``liandong agi serve`` builds them (a lean core)."""
    core = await build(s, stack, clock, lean=True)
    return build_scripts(core, s.ivr, s.fastagi)


def agi_settings(settings: Settings, **agi: float) -> Settings:
    return settings.model_copy(
        update={
            "fastagi": FastAgiSettings(port=0, header_timeout_s=0.5, command_timeout_s=2, **agi),
            "ivr": IvrSettings(hours={}),  # staffed around the clock: tests run at any hour
        }
    )


async def file_contact(
    settings: Settings, sender: str, *, key: str | None = None, hotline: str = "12345"
) -> tuple[int, str]:
    db = Database(settings.database)
    redis = Redis.from_url(settings.redis.url)
    streams = RedisStreams(redis, prefix=settings.redis.prefix, group="g", maxlen=10000)
    intake = IntakeService(db, StreamPublisher(streams), settings.cases, utc_clock)
    try:
        body = ContactCreate(
            channel="phone", hotline=hotline, sender=sender, text="路灯坏了", idempotency_key=key
        )
        created = await intake.receive(body, actor="test")
        return created.contact_id, created.case_number
    finally:
        await intake.close()
        await redis.aclose()
        await db.close()
