"""One reader per API process, fanned out to every open feed.

Before: each SSE connection polled Redis every 100 ms on the API's shared pool, so 150
open feeds starved the pool (the queue API answered 503) and events arrived 10 s late.
Now one ``FeedHub`` per process reads the call and transcript streams (one blocking
XREAD), takes the work queue's digest and the open instructions once per poll, renders
each event once (with and without full phone numbers) and puts the bytes on every
subscriber's own asyncio queue. It has its own Redis connections (two: the blocking
read and the rest), so the feeds never take a connection the API's requests need.

A subscriber joins at the hub's position: it gets the queue as the hub holds it (one
``reset``), then everything after. A reconnecting browser sends Last-Event-ID; the
entries between that and the hub's position are read once with XRANGE for it alone.
A subscriber that cannot keep up (its queue is full) or a user's oldest feed beyond
``feeds_per_user`` is told ``bye`` and dropped; EventSource reconnects and resumes.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import select

from agent_desktop import feed as f
from agent_desktop.settings import DeskSettings
from core.cases.instructions_api import OPEN
from core.cases.tables import InstructionRow
from core.cases.views import mask_phone
from core.storage.engine import Database

log = logging.getLogger(__name__)


@dataclass
class Message:
    """One event for everybody, rendered twice at most: call takers hold phones:full."""

    full: bytes
    masked: bytes


@dataclass(eq=False)
class Subscriber:
    user: str
    full: bool
    live: bool  # queue and call events (queue:read)
    unit: int | None  # unit staff: their unit's instruction changes
    instructions: bool
    queue: asyncio.Queue[Message | bytes]
    initial: list[bytes] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)  # where the hub stood when it joined


def _masked(diff: dict[str, Any]) -> dict[str, Any]:
    return {
        **diff,
        "upsert": [{**i, "summary": mask_phone(str(i["summary"]))} for i in diff["upsert"]],
    }


class FeedHub:
    def __init__(
        self, redis_url: str, prefix: str, db: Database, settings: DeskSettings, queue_key: str,
        item_prefix: str,
    ) -> None:  # fmt: skip
        self.settings = settings
        self.db = db
        # Own pool, never the API's: a blocking XREAD holds its connection throughout.
        self.redis: Redis = Redis.from_url(
            redis_url, max_connections=4, socket_connect_timeout=2, socket_timeout=10
        )
        self.tel_key, self.asr_key = f.stream_keys(prefix)
        self.queue_key, self.item_prefix = queue_key, item_prefix
        self.ids: dict[Any, Any] = {}  # redis-py's xread wants its own key types
        self.view = f.QueueView()
        self._subs: list[Subscriber] = []
        self._by_user: dict[str, list[Subscriber]] = defaultdict(list)
        self._fingerprints: dict[int | None, str] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        # The queue as one ``reset`` event, rendered once per change, not once per join.
        self._snap: tuple[int, str, Message] | None = None
        self._version = 0

    # --- subscribers ------------------------------------------------------------------
    @property
    def feeds(self) -> int:
        return len(self._subs)

    def eid(self) -> str:
        return f"{self.ids[self.tel_key]}|{self.ids[self.asr_key]}"

    async def subscribe(
        self, user: str, *, full: bool, live: bool, unit: int | None, instructions: bool,
        resume: tuple[str | None, str | None],
    ) -> Subscriber:  # fmt: skip
        """Join at the hub's position; ``initial`` holds what this feed sends first."""
        await self._start()
        sub = Subscriber(user, full, live, unit, instructions,
                         asyncio.Queue(self.settings.feed_buffer))  # fmt: skip
        # No await from here to the append: the snapshot and the position the feed
        # joins at are the same instant, so nothing is sent twice or missed.
        sub.ids = dict(self.ids)
        if live and self.view.sent_once:
            snap = self._snapshot()
            sub.initial.append(snap.full if full else snap.masked)
        if instructions:
            sub.initial.append(f.sse("instructions", {"changed": False}))
        mine = self._by_user[user]
        while len(mine) >= self.settings.feeds_per_user:
            self._drop(mine[0], "replaced")  # the oldest tab gives way to the newest
        self._subs.append(sub)
        mine.append(sub)
        self._wake.set()
        if live and any(resume):
            sub.initial[:0] = await self._catch_up(sub, resume)
        return sub

    def _snapshot(self) -> Message:
        eid = self.eid()
        if self._snap is None or self._snap[:2] != (self._version, eid):
            snap = f.snapshot(self.view)
            msg = Message(f.sse("queue", snap, eid), f.sse("queue", _masked(snap), eid))
            self._snap = (self._version, eid, msg)
        return self._snap[2]

    def unsubscribe(self, sub: Subscriber) -> None:
        with contextlib.suppress(ValueError):
            self._subs.remove(sub)
        mine = self._by_user.get(sub.user)
        if mine is not None:
            with contextlib.suppress(ValueError):
                mine.remove(sub)
            if not mine:
                del self._by_user[sub.user]

    def _drop(self, sub: Subscriber, reason: str) -> None:
        self.unsubscribe(sub)
        while not sub.queue.empty():
            sub.queue.get_nowait()
        sub.queue.put_nowait(f.sse("bye", {"reconnect": reason != "replaced", "reason": reason}))

    async def _catch_up(
        self, sub: Subscriber, resume: tuple[str | None, str | None]
    ) -> list[bytes]:
        """The entries between the browser's Last-Event-ID and the hub's position."""
        ids = {self.tel_key: resume[0] or sub.ids[self.tel_key],
               self.asr_key: resume[1] or sub.ids[self.asr_key]}  # fmt: skip
        out: list[bytes] = []
        entries: list[tuple[str, str, dict[str, str]]] = []
        for key in (self.tel_key, self.asr_key):
            if ids[key] == sub.ids[key]:
                continue
            got: Any = await self.redis.xrange(key, f"({ids[key]}", sub.ids[key], count=1000)
            entries += [(key, f.text(i), {f.text(k): f.text(v) for k, v in raw.items()})
                        for i, raw in got]  # fmt: skip
        entries.sort(key=lambda e: tuple(int(p) for p in e[1].split("-")))
        for key, entry_id, fields in entries:
            ids[key] = entry_id
            eid = f"{ids[self.tel_key]}|{ids[self.asr_key]}"
            out.append(f.stream_event(key == self.tel_key, fields, sub.full, eid))
        return out

    def _publish(self, msg: Message, who: Any) -> None:
        for sub in list(self._subs):
            if not who(sub):
                continue
            try:
                sub.queue.put_nowait(msg)
            except asyncio.QueueFull:  # too slow: reconnect and resume from Redis
                self._drop(sub, "lagging")

    # --- the one reader -----------------------------------------------------------------
    async def _start(self) -> None:
        """Start the reader on the first feed (and again if Redis failed its start)."""
        if self._task is None or self._task.done():
            self._ready = asyncio.Event()
            self._task = asyncio.create_task(self._run(self._ready), name="feed-hub")
        if not self._ready.is_set():
            await asyncio.wait_for(self._ready.wait(), 10)

    async def _run(self, ready: asyncio.Event) -> None:
        poll_s = self.settings.queue_poll_s
        for key in (self.tel_key, self.asr_key):
            self.ids[key] = await f.last_id(self.redis, key)
        await self._queue_pass()
        ready.set()
        next_instr = 0.0
        degraded = False
        loop = asyncio.get_running_loop()
        while True:
            if not self._subs:
                self._wake.clear()
                await self._wake.wait()
            try:
                await self._queue_pass()
                got: Any = await self.redis.xread(self.ids, count=200, block=int(poll_s * 1000))
                for key, entries in got or []:
                    name = f.text(key)
                    for entry_id, raw in entries:
                        self.ids[name] = f.text(entry_id)
                        fields = {f.text(k): f.text(v) for k, v in raw.items()}
                        tel = name == self.tel_key
                        self._publish(
                            Message(f.stream_event(tel, fields, True, self.eid()),
                                    f.stream_event(tel, fields, False, self.eid())),
                            lambda s: s.live,
                        )  # fmt: skip
                if loop.time() >= next_instr and any(s.instructions for s in self._subs):
                    next_instr = loop.time() + self.settings.instructions_poll_s
                    await self._instructions_pass()
                degraded = False
            except (RedisError, OSError):
                if not degraded:
                    log.warning("live feed: Redis unreachable", exc_info=True)
                    msg = f.sse("degraded", {"component": "redis"})
                    self._publish(Message(msg, msg), lambda s: True)
                degraded = True
                await asyncio.sleep(1.0)

    async def _queue_pass(self) -> None:
        diff = await f.queue_diff(self.redis, self.queue_key, self.item_prefix, self.view)
        if diff is not None:
            self._version += 1
            eid = self.eid()
            self._publish(
                Message(f.sse("queue", diff, eid), f.sse("queue", _masked(diff), eid)),
                lambda s: s.live,
            )

    async def _instructions_pass(self) -> None:
        """One query for all units; each unit's feeds hear only of their unit."""
        q = select(InstructionRow.unit_id, InstructionRow.id, InstructionRow.state).where(
            InstructionRow.state.in_(OPEN)
        )
        async with self.db.session() as s:
            rows = (await s.execute(q.order_by(InstructionRow.id))).all()
        per_unit: dict[int | None, list[Any]] = defaultdict(list)
        for row_unit, iid, state in rows:
            per_unit[row_unit].append((iid, state))
            per_unit[None].append((iid, state))  # staff of no unit see every change
        watched = {s.unit for s in self._subs if s.instructions}
        for unit in watched:
            fp = hashlib.sha256(repr(per_unit.get(unit, [])).encode()).hexdigest()
            before = self._fingerprints.get(unit)
            self._fingerprints[unit] = fp
            if before is not None and before != fp:
                msg = f.sse("instructions", {"changed": True})
                self._publish(Message(msg, msg), lambda s, u=unit: s.instructions and s.unit == u)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        await self.redis.aclose()


__all__ = ["FeedHub", "Message", "Subscriber"]
