"""The wallboard's call-handling figures (大屏, supervisor view), from the database
(``call_outcomes``, ``seat_events``) and Redis (live calls, seats). ``figures`` is pure.

Definitions (NENA's call-answering standard measures from the call's arrival):
- offered: hotline calls that arrived in the window and are over (a row of
  ``call_outcomes`` is written when the caller's channel ends);
- service level 10/15/20 s: answered within that many seconds of arrival / offered;
- ASA: mean arrival → the seat answered; abandon rate: not answered / offered, and
  abandoned within 5 s counted apart (misdials, the caller's second thoughts);
- talk: answered → the seat left the call (hang-up or transfer); wrap-up: the mean
  length of the wrap-up periods that began in the window; AHT = talk + wrap-up.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from statistics import fmean
from typing import Any

from sqlalchemy import select

from telephony.calls.state import WAITING
from telephony.seats.models import Seat, SeatState
from telephony.seats.tables import CallOutcomeRow, SeatEventRow
from telephony.seats.wiring import SeatsApi


@dataclass(frozen=True, slots=True)
class Outcome:
    arrived: float
    answered: float | None
    released: float | None
    ended: float
    user: str | None


@dataclass(frozen=True, slots=True)
class SeatChange:
    seat: str
    user: str
    state: str
    at: float


def _rate(n: int, of: int) -> float | None:
    return round(n / of, 4) if of else None


def _mean(values: Sequence[float]) -> float | None:
    return round(fmean(values), 2) if values else None


def _periods(changes: Sequence[SeatChange], now: float) -> list[tuple[SeatChange, float, bool]]:
    """Each change with how long its state lasted (until the seat's next change, or
    now) and whether it is over."""
    by_seat: dict[str, list[SeatChange]] = defaultdict(list)
    for ch in sorted(changes, key=lambda c: c.at):
        by_seat[ch.seat].append(ch)
    out = []
    for seq in by_seat.values():
        for this, nxt in zip(seq, [*seq[1:], None], strict=True):
            out.append((this, (nxt.at if nxt else now) - this.at, nxt is not None))
    return out


def figures(
    outcomes: Sequence[Outcome],
    waiting_since: Sequence[float],
    seats: Sequence[Seat],
    changes: Sequence[SeatChange],
    *,
    now: float,
    window_s: int,
) -> dict[str, Any]:
    offered = len(outcomes)
    answered = [o for o in outcomes if o.answered is not None]
    abandoned = [o for o in outcomes if o.answered is None]
    waits = [o.answered - o.arrived for o in answered if o.answered is not None]
    talks = [(o.released or o.ended) - o.answered for o in answered if o.answered is not None]
    periods = _periods(changes, now)
    wraps = [d for ch, d, over in periods if ch.state == SeatState.wrap_up.value and over]
    talk, wrap = _mean(talks), _mean(wraps)
    agents: dict[str, int] = {}
    for seat in seats:
        if seat.signed_in:
            agents[seat.state.value] = agents.get(seat.state.value, 0) + 1
    per: dict[str, dict[str, float | int | str]] = {}
    for o, t in zip(answered, talks, strict=True):
        if o.user:
            row = per.setdefault(o.user, {"user": o.user, "calls": 0, "handle_s": 0.0})
            row["calls"] = int(row["calls"]) + 1
            row["handle_s"] = round(float(row["handle_s"]) + t, 2)
    for ch, d, _ in periods:
        if not ch.user:
            continue
        row = per.setdefault(ch.user, {"user": ch.user, "calls": 0, "handle_s": 0.0})
        key = {"ready": "ready_s", "not_ready": "not_ready_s", "wrap_up": "wrap_up_s"}.get(ch.state)
        if key:
            row[key] = round(float(row.get(key, 0.0)) + d, 2)
    return {
        "window_s": window_s,
        "calls_waiting": len(waiting_since),
        "longest_wait_s": round(max((now - t for t in waiting_since), default=0.0), 1),
        "agents": agents,
        "offered": offered,
        "answered": len(answered),
        "abandoned": len(abandoned),
        "service_level_15s": _rate(sum(w <= 15 for w in waits), offered),
        "answered_10s": _rate(sum(w <= 10 for w in waits), offered),
        "answered_20s": _rate(sum(w <= 20 for w in waits), offered),
        "abandon_rate": _rate(len(abandoned), offered),
        "abandoned_5s": sum(o.ended - o.arrived <= 5 for o in abandoned),
        "asa_s": _mean(waits),
        "aht_s": None if talk is None else round(talk + (wrap or 0.0), 2),
        "talk_s": talk,
        "wrap_up_s": wrap,
        "per_agent": sorted(per.values(), key=lambda r: str(r["user"])),
    }


def _ts(d: datetime | None) -> float | None:
    return None if d is None else d.timestamp()


async def wallboard(c: SeatsApi, window_s: int) -> dict[str, Any]:
    now = c.clock().timestamp()
    since = datetime.fromtimestamp(now - window_s, UTC)
    async with c.db.session() as s:
        rows = (
            await s.scalars(select(CallOutcomeRow).where(CallOutcomeRow.arrived_at >= since))
        ).all()
        events = (
            await s.scalars(
                select(SeatEventRow).where(SeatEventRow.at >= since).order_by(SeatEventRow.id)
            )
        ).all()
    outcomes = [
        Outcome(
            r.arrived_at.timestamp(),
            _ts(r.answered_at),
            _ts(r.released_at),
            r.ended_at.timestamp(),
            r.username,
        )
        for r in rows
    ]
    changes = [SeatChange(e.seat, e.username, e.state, e.at.timestamp()) for e in events]
    live = await c.calls.live()
    waiting = [call.arrived_at for call in live if call.direction == "in" and call.state in WAITING]
    return figures(outcomes, waiting, await c.store.all(), changes, now=now, window_s=window_s)
