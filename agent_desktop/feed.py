"""The desk's live feed: one Server-Sent Events stream per browser tab.

The reading is done once per API process by ``agent_desktop.hub.FeedHub``; this
module holds what it reads and renders, and the per-connection generator. A feed
merges three sources for the logged-in user, keeping no state outside the
connection (any API worker can serve any reconnect):

* the call events stream ``{prefix}:tel:events`` and the live transcript stream
  ``{prefix}:asr:live`` — read with XREAD from the ids in ``Last-Event-ID``, so a
  reconnecting EventSource misses nothing the streams still hold;
* the work queue, a Redis sorted set without a change stream: polled every
  ``queue_poll_s`` (by the hub, once) and sent as diffs (upserts and removals)
  after one ``reset`` when the feed joins;
* for unit staff, their unit's open instructions (a fingerprint polled from the
  database, one query for all units): a change sends an ``instructions`` event and
  the portal refetches.

RBAC: queue and call events go to roles with ``queue:read`` only; phone numbers in
them are masked for roles without ``phones:full``. Unit staff get their own unit's
instruction changes and nothing else.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from agent_desktop.settings import DeskSettings
from core.auth.models import Principal, Role
from core.auth.roles import Perm, allows
from core.cases.masking import mask_phone
from core.queue.priority import Rank, urgent_tier
from core.wiring import CoreServices

if TYPE_CHECKING:
    from agent_desktop.hub import FeedHub

_ID = re.compile(r"^\d{1,20}-\d{1,20}$")
# Re-read every queued item's fields this often even when no score changed: a
# reclassification that keeps the priority rewrites the item but not its score.
FULL_REFRESH_S = 5.0


def stream_keys(prefix: str) -> tuple[str, str]:
    return f"{prefix}:tel:events", f"{prefix}:asr:live"


def parse_last_event_id(raw: str | None) -> tuple[str | None, str | None]:
    """``"<tel id>|<asr id>"`` → the two stream ids (None where absent or malformed)."""
    if not raw:
        return None, None
    parts = raw.split("|")
    if len(parts) != 2:
        return None, None
    tel, asr = (p if _ID.match(p) else None for p in parts)
    return tel, asr


def sse(event: str, data: Any, event_id: str | None = None) -> bytes:
    lines = [f"event: {event}"]
    if event_id:
        lines.append(f"id: {event_id}")
    lines.append("data: " + json.dumps(data, ensure_ascii=False, separators=(",", ":")))
    return ("\n".join(lines) + "\n\n").encode()


def text(v: Any) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


_s = text


def queue_item_dict(blob: str | bytes, score: float, full_phones: bool) -> dict[str, Any]:
    """A stored work-queue item (QueueItem as JSON) as the desk shows it."""
    item: dict[str, Any] = json.loads(blob)
    rank = Rank(
        int(item["priority"]),
        bool(item["emergency"]),
        bool(item["live"]),
        item["channel"] == "stb_alarm",
    )
    item["urgent"] = urgent_tier(rank)
    item["score"] = score
    if not full_phones:
        item["summary"] = mask_phone(str(item["summary"]))
    return item


async def queue_snapshot(
    c: CoreServices, limit: int, full_phones: bool
) -> tuple[list[dict[str, Any]], int]:
    """The first ``limit`` queued items in order, and the queue's size."""
    wq = c.workqueue
    pairs: Any = await c.redis.zrange(wq.key, 0, limit - 1, withscores=True)
    total = int(await c.redis.zcard(wq.key))
    items = await _items(c, {_s(m): float(sc) for m, sc in pairs}, full_phones)
    return items, total


async def _items(c: CoreServices, scores: dict[str, float], full: bool) -> list[dict[str, Any]]:
    if not scores:
        return []
    numbers = list(scores)
    blobs = await c.redis.mget([c.workqueue.item_prefix + n for n in numbers])
    out = []
    for number, blob in zip(numbers, blobs, strict=True):
        if blob is not None:
            out.append(queue_item_dict(blob, scores[number], full))
    return out


# Change detection runs inside Redis: parsing a 5,000-member ZRANGE in redis-py costs
# ~100 ms of this process's CPU, a 40-character digest almost nothing. The item
# hashes are read by name (not declared in KEYS): fine on a standalone Redis, which is
# what the platform runs; the scores' digest is taken every poll, the items' every
# FULL_REFRESH_S (a reclassification that keeps the priority changes only the item).
_SCORES_DIGEST = """
return redis.sha1hex(table.concat(redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES'), '\\n'))
"""
_ITEMS_DIGEST = """
local members = redis.call('ZRANGE', KEYS[1], 0, -1)
local parts = {}
for i = 1, #members, 500 do
  local keys = {}
  for j = i, math.min(i + 499, #members) do keys[#keys + 1] = ARGV[1] .. members[j] end
  local values = redis.call('MGET', unpack(keys))
  for _, v in ipairs(values) do parts[#parts + 1] = v or '' end
end
return redis.sha1hex(table.concat(parts, '\\n'))
"""


@dataclass
class QueueView:
    """What the hub last sent of the queue (phones in full; masked when rendered)."""

    scores: dict[str, float] = field(default_factory=dict)
    blobs: dict[str, str] = field(default_factory=dict)
    refreshed_at: float = 0.0
    sent_once: bool = False
    scores_digest: str = ""
    items_digest: str = ""


async def queue_diff(
    redis: Redis, key: str, item_prefix: str, view: QueueView
) -> dict[str, Any] | None:
    now = time.monotonic()
    refresh = now - view.refreshed_at >= FULL_REFRESH_S
    scores_digest = _s(await redis.eval(_SCORES_DIGEST, 1, key))
    items_digest = view.items_digest
    if refresh:
        view.refreshed_at = now
        items_digest = _s(await redis.eval(_ITEMS_DIGEST, 1, key, item_prefix))
    if view.sent_once and scores_digest == view.scores_digest and items_digest == view.items_digest:
        return None
    refresh = refresh and items_digest != view.items_digest
    view.scores_digest, view.items_digest = scores_digest, items_digest
    pairs: Any = await redis.zrange(key, 0, -1, withscores=True)
    current = {_s(m): float(sc) for m, sc in pairs}
    removed = [n for n in view.scores if n not in current]
    refresh = refresh or not view.sent_once
    wanted = [n for n, sc in current.items() if refresh or view.scores.get(n) != sc]
    upserts: list[dict[str, Any]] = []
    if wanted:
        blobs = await redis.mget([item_prefix + n for n in wanted])
        for number, blob in zip(wanted, blobs, strict=True):
            if blob is None:
                current.pop(number, None)
                if number in view.scores:
                    removed.append(number)
                continue
            blob_text = _s(blob)
            if view.blobs.get(number) == blob_text and view.scores.get(number) == current[number]:
                continue
            view.blobs[number] = blob_text
            upserts.append(queue_item_dict(blob_text, current[number], True))
    for n in removed:
        view.blobs.pop(n, None)
    first = not view.sent_once
    view.scores = current
    view.sent_once = True
    if not first and not upserts and not removed:
        return None
    return {
        "reset": first,
        "upsert": upserts,
        "remove": removed,
        "total": len(current),
        "server_now": time.time(),
    }


def snapshot(view: QueueView) -> dict[str, Any]:
    """The whole queue as the hub holds it, as the ``reset`` a joining feed gets."""
    return {
        "reset": True,
        "upsert": [queue_item_dict(view.blobs[n], sc, True) for n, sc in view.scores.items()],
        "remove": [],
        "total": len(view.scores),
        "server_now": time.time(),
    }


def _call_event(fields: dict[str, str], full: bool) -> dict[str, Any]:
    out: dict[str, Any] = dict(fields)
    if not full and "caller" in out:
        out["caller"] = mask_phone(out["caller"])
    if "waiting_s" in out:
        try:
            out["waiting_s"] = float(out["waiting_s"])
        except ValueError:
            out.pop("waiting_s")
    return out


def _transcript_event(fields: dict[str, str], full: bool) -> dict[str, Any]:
    out: dict[str, Any] = dict(fields)
    if not full and "text" in out:
        out["text"] = mask_phone(out["text"])
    return out


async def last_id(redis: Redis, key: str) -> str:
    last: Any = await redis.xrevrange(key, count=1)
    return _s(last[0][0]) if last else "0-0"


def stream_event(tel: bool, fields: dict[str, str], full: bool, eid: str) -> bytes:
    """A call event (``tel``), a seat's presence, or a transcript line as SSE bytes."""
    if tel and fields.get("kind") == "seat":
        return sse("seat", fields, eid)  # seat presence (issue 16): no phone number in it
    if tel:
        return sse("call", _call_event(fields, full), eid)
    return sse("transcript", _transcript_event(fields, full), eid)


async def feed(
    hub: FeedHub,
    ds: DeskSettings,
    user: Principal,
    last_event_id: str | None,
    *,
    max_s: float,
    disconnected: Any,
) -> AsyncIterator[bytes]:
    """The SSE byte stream for ``user``; ends after ``max_s``, on disconnect, or when
    the hub drops it (this user opened more than ``feeds_per_user``, or it lagged)."""
    live = allows(user.role, Perm.queue_read)
    full = allows(user.role, Perm.phones_full)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + max_s
    # Ask the browser to reconnect quickly when a stream ends (worker restart, max_s).
    yield b"retry: 1000\n\n"
    try:
        sub = await hub.subscribe(
            user.username, full=full, live=live, unit=user.unit_id,
            instructions=user.role is Role.unit_staff,
            resume=parse_last_event_id(last_event_id) if live else (None, None),
        )  # fmt: skip
    except (RedisError, OSError, TimeoutError):
        yield sse("degraded", {"component": "redis"})
        return
    try:
        yield sse("hello", {"user": user.username, "role": user.role.value, "live": live})
        for chunk in sub.initial:
            yield chunk
        next_beat = loop.time() + ds.heartbeat_s
        while (now := loop.time()) < deadline:
            try:
                msg = await asyncio.wait_for(sub.queue.get(), min(next_beat, deadline) - now)
            except TimeoutError:
                if await disconnected():
                    return
                if loop.time() >= next_beat:
                    next_beat = loop.time() + ds.heartbeat_s
                    yield b": keep-alive\n\n"
                continue
            if isinstance(msg, bytes):  # the hub's last word: bye (replaced, lagging)
                yield msg
                return
            yield msg.full if full else msg.masked
    finally:
        hub.unsubscribe(sub)
    yield sse("bye", {"reconnect": True})
