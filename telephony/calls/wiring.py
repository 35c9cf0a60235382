"""How the composition root builds call control for the API processes: the call store
(reads) and the command client (changes go to the telephony process, which owns call
control), kept in ``app.state.calls`` for the routes (``CallsContext``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from core.clock import Clock
from core.deps import state
from core.wiring import CoreServices
from telephony.calls.commands import CommandClient
from telephony.calls.store import RedisCallStore
from telephony.settings import TelephonySettings


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


CallsContext = Annotated[CallsApi, Depends(state("calls"))]
