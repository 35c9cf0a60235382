"""Call-control commands from the API process to the Stasis app process, over Redis.

The telephony process owns call control: only it talks to ARI about a call, one event
or command at a time per call (its session). The web API must not race it, so it
does not call ARI; it sends a command and waits for the answer::

    API                                     telephony process
    XADD {prefix}:tel:commands  ────────▶   XREAD (from the stream's end at start-up)
      id, op, channel_id, args, actor,       → the call's session runs the command
      deadline                               → LPUSH {prefix}:tel:reply:{id} (TTL 60 s)
    BLPOP {prefix}:tel:reply:{id} ◀───────
      (timeout: command_timeout_s → 503 telephony-unavailable)

Why a stream and a reply list, not pub/sub: an XADD is stored, so a command sent
during a websocket reconnect still runs when it is read; a reply is a list the
waiting request pops exactly once, and it expires when nobody waits any more. A
command read after its deadline is dropped unanswered: the API has already told the
user 503, and doing it late would surprise them. A restarted telephony process
starts reading at the stream's end for the same reason.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from core.errors import Conflict, InvalidInput, LiandongError, NotFound, Unavailable
from telephony.calls.errors import TelephonyUnavailable
from telephony.calls.state import Call

log = logging.getLogger(__name__)

COMMANDS_MAXLEN = 10_000
REPLY_TTL_S = 60


def commands_key(prefix: str) -> str:
    return f"{prefix}:tel:commands"


def reply_key(prefix: str, command_id: str) -> str:
    return f"{prefix}:tel:reply:{command_id}"


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


@dataclass(frozen=True, slots=True)
class Command:
    id: str
    op: str  # take hold resume hangup transfer transfer_complete transfer_cancel
    #          conference callback
    channel_id: str  # "" for callback (the call does not exist yet)
    actor: str  # username of the call taker who asked
    deadline: float  # epoch seconds; after it the API no longer waits
    args: dict[str, Any] = field(default_factory=dict)

    def to_fields(self) -> dict[str, str]:
        return {
            "id": self.id,
            "op": self.op,
            "channel_id": self.channel_id,
            "actor": self.actor,
            "deadline": f"{self.deadline:.3f}",
            "args": json.dumps(self.args, ensure_ascii=False),
        }

    @classmethod
    def from_fields(cls, raw: dict[Any, Any]) -> Command:
        f = {_text(k): _text(v) for k, v in raw.items()}
        return cls(
            id=f["id"],
            op=f["op"],
            channel_id=f.get("channel_id", ""),
            actor=f.get("actor", ""),
            deadline=float(f.get("deadline", "0")),
            args=dict(json.loads(f.get("args") or "{}")),
        )


def ok_reply(call: Call) -> dict[str, Any]:
    return {"ok": True, "call": call.to_record()}


def error_reply(exc: LiandongError) -> dict[str, Any]:
    return {"ok": False, "status": exc.status, **exc.to_dict()}


_BY_STATUS: dict[int, type[LiandongError]] = {404: NotFound, 409: Conflict, 422: InvalidInput}


def _raise(reply: dict[str, Any]) -> None:
    cls = _BY_STATUS.get(int(reply.get("status", 503)), Unavailable)
    raise cls(
        str(reply.get("message", "")),
        error_id=str(reply.get("error_id", "telephony-error")),
        details=dict(reply.get("details") or {}),
    )


class CommandClient:
    """The API side: send a command, wait for its reply."""

    def __init__(self, redis: Redis, *, prefix: str, timeout_s: float) -> None:
        self.redis = redis
        self.prefix = prefix
        self.timeout_s = timeout_s

    async def send(
        self, op: str, channel_id: str, actor: str, args: dict[str, Any] | None = None
    ) -> Call:
        reply = await self.request(op, channel_id, actor, args)
        return Call.from_record(dict(reply["call"]))

    async def request(
        self, op: str, channel_id: str, actor: str, args: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Any command (call control, seat presence): its successful reply, or the
        typed error it carried."""
        cmd = Command(
            id=uuid.uuid4().hex,
            op=op,
            channel_id=channel_id,
            actor=actor,
            deadline=time.time() + self.timeout_s,
            args=args or {},
        )
        fields: dict[Any, Any] = cmd.to_fields()
        try:
            await self.redis.xadd(
                commands_key(self.prefix), fields, maxlen=COMMANDS_MAXLEN, approximate=True
            )
            popped = await self.redis.blpop([reply_key(self.prefix, cmd.id)], self.timeout_s)
        except (RedisError, OSError) as exc:
            raise TelephonyUnavailable(
                "call control is unreachable (Redis)", details={"op": op}
            ) from exc
        if popped is None:
            raise TelephonyUnavailable(
                "the telephony process did not answer in time",
                details={"op": op, "channel_id": channel_id, "timeout_s": self.timeout_s},
            )
        reply: dict[str, Any] = json.loads(_text(popped[1]))
        if not reply.get("ok"):
            _raise(reply)
        return reply


Handler = Callable[[Command], Awaitable[dict[str, Any]]]


class CommandServer:
    """The telephony side: read commands, run each (concurrently; the handler orders
    them per call), push the reply."""

    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str,
        handler: Handler,
        spawn: Callable[[Any, str], object],
        block_ms: int = 1000,
    ) -> None:
        self.redis = redis
        self.prefix = prefix
        self.handler = handler
        self.spawn = spawn
        self.block_ms = block_ms

    async def _start_id(self) -> str:
        last = await self.redis.xrevrange(commands_key(self.prefix), count=1)
        return _text(last[0][0]) if last else "0-0"

    async def run(self) -> None:
        key = commands_key(self.prefix)
        last_id: str | None = None
        while True:
            try:
                if last_id is None:
                    last_id = await self._start_id()
                batches = await self.redis.xread({key: last_id}, count=50, block=self.block_ms)
            except (RedisError, OSError):
                log.warning("command stream unreadable; retrying", exc_info=True)
                await asyncio.sleep(1.0)
                continue
            stream: list[Any] = list(batches or [])  # RESP2: [[key, entries]]
            for _, entries in stream:
                for entry_id, raw in entries:
                    last_id = _text(entry_id)
                    try:
                        cmd = Command.from_fields(raw)
                    except (KeyError, ValueError):
                        log.warning("unreadable command skipped", extra={"id": last_id})
                        continue
                    if cmd.deadline < time.time():
                        log.info("stale command dropped", extra={"op": cmd.op})
                        continue
                    self.spawn(self._run(cmd), f"command-{cmd.op}-{cmd.id[:8]}")

    async def _run(self, cmd: Command) -> None:
        try:
            reply = await self.handler(cmd)
        except LiandongError as exc:
            reply = error_reply(exc)
        except Exception as exc:  # a bug must still answer, not leave the API waiting
            log.exception("command failed", extra={"op": cmd.op})
            reply = error_reply(Unavailable(f"command failed: {type(exc).__name__}"))
        key = reply_key(self.prefix, cmd.id)
        try:
            async with self.redis.pipeline(transaction=True) as p:
                p.lpush(key, json.dumps(reply, ensure_ascii=False, default=str))
                p.expire(key, REPLY_TTL_S)
                await p.execute()
        except (RedisError, OSError):
            log.warning("command reply lost", extra={"op": cmd.op}, exc_info=True)
