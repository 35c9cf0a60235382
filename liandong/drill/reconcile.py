"""Sent versus held: every contact a drill sent, looked up in the database by its
marker, and when its case first showed in the work queue."""

from __future__ import annotations

import asyncio
import contextlib
import math
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import or_, select

from core.cases.tables import CaseEventRow, CaseRow, ContactRow
from core.storage.engine import Database
from liandong.drill.traffic import Sent

POLL_S = 0.1  # the queue watcher's resolution: the to-queue figures are ± this


class QueueWatcher:
    """When each case number first appeared in the work queue (a sorted set has no
    change stream: its members are read every ``POLL_S`` on a connection of our own)."""

    def __init__(self, redis_url: str, key: str) -> None:
        self.redis: Redis = Redis.from_url(redis_url, socket_timeout=5, decode_responses=True)
        self.key = key
        self.first_seen: dict[str, float] = {}
        self.before: set[str] = set()

    async def run(self, stop: asyncio.Event) -> None:
        members: Any = await self.redis.zrange(self.key, 0, -1)
        self.before = set(members)
        while not stop.is_set():
            with contextlib.suppress(RedisError, OSError):  # chaos: Redis restarts
                now = time.time()
                members = await self.redis.zrange(self.key, 0, -1)
                for m in members:
                    self.first_seen.setdefault(m, now)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), POLL_S)
        await self.redis.aclose()


@dataclass
class Held:
    """What the database holds of one drill: per marker, its contacts' cases."""

    cases: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    seqs_per_case: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    callbacks: int = 0


async def held(db: Database, drill: int) -> Held:
    text_mark = f"演练{drill:03d}-"
    key_mark = f"drill-{drill:03d}-"
    phone_mark = f"139{drill:03d}"
    pattern = re.compile(rf"(?:演练|drill-){drill:03d}-(\d+)")
    out = Held()
    contact_ids = []
    async with db.session() as s:
        rows = (
            await s.execute(
                select(
                    ContactRow.id,
                    ContactRow.case_id,
                    ContactRow.text,
                    ContactRow.idempotency_key,
                    ContactRow.sender,
                    CaseRow.number,
                )
                .join(CaseRow, CaseRow.id == ContactRow.case_id)
                .where(
                    or_(
                        ContactRow.text.contains(text_mark),
                        ContactRow.idempotency_key.contains(key_mark),
                        ContactRow.sender.startswith(phone_mark),  # calls: by number
                    )
                )
            )
        ).all()
        case_ids = set()
        for cid, case_id, body, key, sender, number in rows:
            m = pattern.search(f"{body} {key or ''}")
            if m is not None:
                seq = int(m.group(1))
            elif sender.startswith(phone_mark) and len(sender) == 11:
                seq = int(sender[-5:])
            else:
                continue
            out.cases[seq].append(number)
            out.seqs_per_case[number].add(seq)
            contact_ids.append(cid)
            case_ids.add(case_id)
        if contact_ids:
            events = (
                await s.execute(
                    select(CaseEventRow.data).where(
                        CaseEventRow.case_id.in_(case_ids), CaseEventRow.action == "note"
                    )
                )
            ).scalars()
            wanted = set(contact_ids)
            out.callbacks = sum(
                1 for d in events if d.get("missed_call") and d.get("contact_id") in wanted
            )
    return out


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return round(values[max(1, math.ceil(p / 100 * len(values))) - 1], 3)


def table(
    sent: list[Sent],
    h: Held,
    first_seen: dict[str, float],
    before: set[str],
    calls_failed: int = 0,
) -> dict[str, Any]:
    # A request that got no answer in time (the platform overloaded) may still have
    # been taken in: what the database holds counts as sent, whatever the door said.
    ok = [s for s in sent if s.ok or s.seq in h.cases]
    late = sum(1 for s in ok if not s.ok)
    found = [s for s in ok if s.seq in h.cases]
    # A call sipp saw fail (refused, never answered) left no contact; which one of
    # a group's calls it was sipp does not say, so the missing calls are matched to
    # the failures by count.
    missing_calls = sum(1 for s in ok if s.channel == "phone" and s.seq not in h.cases)
    refused_calls = min(calls_failed, missing_calls)
    merged = {s.seq for s in found if len(h.seqs_per_case[h.cases[s.seq][0]]) > 1}
    by_seq: dict[int, float] = {}
    not_queued = 0
    for s in found:
        number = h.cases[s.seq][0]
        if s.seq in merged or number in before:
            continue  # its case was queued for another contact
        if number in first_seen:
            by_seq[s.seq] = max(0.0, first_seen[number] - s.sent_at)
        else:
            not_queued += 1
    to_queue = list(by_seq.values())
    return {
        "sent": len(ok) - refused_calls,
        "refused": len(sent) - len(ok) + refused_calls,
        "unanswered_but_held": late,
        "calls": sum(1 for s in sent if s.channel == "phone"),
        "calls_failed": calls_failed,
        "deliveries": sum(s.deliveries for s in ok),
        "in_cases": len(found),
        "merged": len(merged),
        "duplicated": sum(len(h.cases[s.seq]) - 1 for s in found),
        "lost": len(ok) - len(found) - refused_calls,
        "not_queued": not_queued,
        "callbacks": h.callbacks,
        "p50_to_queue_s": pct(to_queue, 50),
        "p95_to_queue_s": pct(to_queue, 95),
        "p99_to_queue_s": pct(to_queue, 99),
        "_to_queue": by_seq,  # for the per-fault figures; not printed
    }


__all__ = ["Held", "QueueWatcher", "held", "pct", "table"]
