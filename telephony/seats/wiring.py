"""How the composition root builds seat presence for the API processes (``SeatsApi`` in
``app.state.seats``), and the pieces the telephony process's wiring shares."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends
from redis.asyncio import Redis

from core.clock import Clock
from core.deps import state
from core.storage.engine import Database
from core.wiring import CoreServices
from telephony.asterisk.config import seat_names
from telephony.calls.commands import CommandClient
from telephony.calls.state import Call
from telephony.calls.store import RedisCallStore
from telephony.seats.store import RedisSeatStore
from telephony.settings import TelephonySettings

SEAT_STATE_OP = "seat_state"


@dataclass
class SeatsApi:
    store: RedisSeatStore
    calls: RedisCallStore
    commands: CommandClient
    db: Database
    clock: Clock


def build_seats_api(core: CoreServices, settings: TelephonySettings) -> SeatsApi:
    prefix = core.settings.redis.prefix
    return SeatsApi(
        RedisSeatStore(core.redis, prefix=prefix, seats=seat_names(settings.seats)),
        RedisCallStore(core.redis, prefix=prefix, ttl_s=settings.state_ttl_s),
        CommandClient(core.redis, prefix=prefix, timeout_s=settings.command_timeout_s),
        core.db,
        core.clock,
    )


async def work_ranks(
    redis: Redis, item_prefix: str, calls: list[Call]
) -> dict[str, tuple[bool, int]]:
    """(emergency, priority) of each call's case from its work-queue item; a call whose
    case the intake worker has not classified yet is absent (ranked as ordinary)."""
    numbered = [c for c in calls if c.case_number]
    if not numbered:
        return {}
    blobs: list[Any] = await redis.mget([item_prefix + str(c.case_number) for c in numbered])
    out: dict[str, tuple[bool, int]] = {}
    for call, blob in zip(numbered, blobs, strict=True):
        if blob is not None:
            item = json.loads(blob)
            out[call.channel_id] = (bool(item.get("emergency")), int(item.get("priority", 3)))
    return out


SeatsContext = Annotated[SeatsApi, Depends(state("seats"))]
