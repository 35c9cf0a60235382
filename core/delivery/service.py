"""DeliveryService: stage messages (in the caller's transaction), acknowledge them,
list them. The worker (``core.delivery.worker``) sends.

``stage`` is the transactional-outbox half: the delivery row is written in the same
transaction as the case change that caused it, so a message exists iff the change
committed. ``wake`` after the commit is the fast path; the worker's sweep finds rows
whose wake-up was lost.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.cases import caselog
from core.cases.lifecycle import Action
from core.cases.tables import InstructionRow
from core.clock import Clock
from core.delivery.errors import AckTokenInvalid, DeliveryInvalid, DeliveryNotFound
from core.delivery.models import ACKABLE, Channel, Request, State
from core.delivery.ports import Waker
from core.delivery.settings import DeliverySettings
from core.delivery.tables import DeliveryAttemptRow, DeliveryRow
from core.escalation.sql import insert_ignoring
from core.orgmap.tables import PersonRow
from core.storage.engine import Database

log = logging.getLogger(__name__)
CHANNELS = frozenset(c.value for c in Channel)


class DeliveryService:
    def __init__(
        self,
        db: Database,
        settings: DeliverySettings,
        clock: Clock,
        *,
        secret: bytes,
        waker: Waker | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.secret = secret
        self.waker = waker

    # --- staging -----------------------------------------------------------------------
    async def stage(self, s: AsyncSession, req: Request) -> int | None:
        """Write ``req`` in the caller's transaction; the new row's id, or None when the
        key was staged before (the first one stands). A request without any route is
        written already ``flagged``: a person must see it, it is never dropped."""
        if not req.text.strip():
            raise DeliveryInvalid("a message needs a text", details={"key": req.key})
        unknown = sorted({r.channel for r in req.routes} - CHANNELS)
        if unknown:
            raise DeliveryInvalid("unknown channel", details={"channels": unknown})
        now = self.clock()
        state = State.queued if req.routes else State.flagged
        values: dict[str, Any] = {
            "key": req.key[:128],
            "purpose": req.purpose.value,
            "case_id": req.case_id,
            "case_number": req.case_number,
            "instruction_id": req.instruction_id,
            "recipient": req.recipient[:64],
            "recipient_name": req.recipient_name[:64],
            "routes": [[r.channel, r.address] for r in req.routes],
            "route_index": 0,
            "route_attempts": 0,
            "attempts": 0,
            "state": state.value,
            "text": req.text,
            "requires_ack": req.requires_ack,
            "urgent": req.urgent,
            "next_attempt_at": now if req.routes else None,
            "created_at": now,
            "updated_at": now,
        }
        stmt = insert_ignoring(DeliveryRow.__table__, self.db.dialect, "key")
        res = await s.execute(stmt.values(**values))
        if not getattr(res, "rowcount", 0):
            return None
        row_id = await s.scalar(select(DeliveryRow.id).where(DeliveryRow.key == values["key"]))
        if not req.routes and req.case_id is not None:
            await self._log(s, req.case_id, "flagged", {"id": row_id, "error": "no-channel"})
        return int(row_id) if row_id is not None else None

    async def enqueue(self, requests: Sequence[Request]) -> list[int]:
        """Stage ``requests`` in a transaction of their own and wake the workers."""
        async with self.db.session() as s:
            ids = [i for r in requests if (i := await self.stage(s, r)) is not None]
        await self.wake(ids)
        return ids

    async def wake(self, ids: list[int]) -> None:
        if ids and self.waker is not None:
            try:
                await self.waker.wake(ids)
            except Exception:  # the sweep sends them anyway
                log.warning("delivery wake-up lost", extra={"ids": ids[:20]}, exc_info=True)

    # --- acknowledgement ---------------------------------------------------------------
    def ack_token(self, delivery_id: int) -> str:
        mac = hmac.new(self.secret, f"delivery-ack:{delivery_id}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()[:16]).decode().rstrip("=")

    def check_token(self, delivery_id: int, token: str) -> None:
        if not hmac.compare_digest(self.ack_token(delivery_id), token):
            raise AckTokenInvalid("this acknowledgement link is not valid")

    async def acknowledge(self, delivery_id: int, via: str, *, by: str) -> bool:
        """Mark acknowledged; True if this call did it (a second click changes nothing)."""
        now = self.clock()
        async with self.db.session() as s:
            row = await s.get(DeliveryRow, delivery_id)
            if row is None:
                raise DeliveryNotFound(f"no delivery {delivery_id}")
            res = await s.execute(
                update(DeliveryRow)
                .where(DeliveryRow.id == delivery_id, DeliveryRow.state.in_(list(ACKABLE)))
                .values(
                    state=State.acknowledged.value,
                    acknowledged_at=now,
                    acknowledged_via=via[:16],
                    next_attempt_at=None,
                    updated_at=now,
                )
            )
            done = bool(getattr(res, "rowcount", 0))
            if done and row.case_id is not None:
                await self._log(s, row.case_id, "acknowledged", {"id": delivery_id, "via": via,
                                                                  "by": by[:64]})  # fmt: skip
        return done

    async def acknowledge_reply(self, channel: str, address: str, *, by: str) -> int | None:
        """A reply "1" from ``address`` on ``channel`` acknowledges the newest staff
        notice that asked for it there; its id, or None when none waits."""
        async with self.db.session() as s:
            rows = (
                await s.scalars(
                    select(DeliveryRow)
                    .where(
                        DeliveryRow.requires_ack.is_(True),
                        DeliveryRow.state.in_([State.sent.value, State.delivered.value]),
                    )
                    .order_by(DeliveryRow.id.desc())
                    .limit(200)
                )
            ).all()
        for row in rows:
            mine = row.channel == channel and row.address == address
            if mine and await self.acknowledge(row.id, channel, by=by):
                return row.id
        return None

    async def acknowledge_unit(self, unit_id: int, *, by: str) -> int:
        """The unit's staff opened the unit portal: every notice about the unit's
        instructions addressed to the unit itself or to one of its people is
        acknowledged (a deputy mayor's ladder step is not theirs to confirm)."""
        async with self.db.session() as s:
            people = {
                f"person:{i}"
                for i in await s.scalars(select(PersonRow.id).where(PersonRow.unit_id == unit_id))
            }
            rows = (
                await s.execute(
                    select(DeliveryRow.id, DeliveryRow.recipient)
                    .join(InstructionRow, InstructionRow.id == DeliveryRow.instruction_id)
                    .where(
                        InstructionRow.unit_id == unit_id,
                        DeliveryRow.requires_ack.is_(True),
                        DeliveryRow.state.in_(list(ACKABLE)),
                    )
                )
            ).all()
        mine = [i for i, r in rows if r == f"unit:{unit_id}" or r in people]
        return sum([await self.acknowledge(i, "portal", by=by) for i in mine])

    # --- reading -----------------------------------------------------------------------
    async def get(self, delivery_id: int) -> DeliveryRow:
        async with self.db.session() as s:
            row = await s.get(DeliveryRow, delivery_id)
        if row is None:
            raise DeliveryNotFound(f"no delivery {delivery_id}")
        return row

    async def for_case(self, case_number: str) -> list[DeliveryRow]:
        async with self.db.session() as s:
            return list(
                (
                    await s.scalars(
                        select(DeliveryRow)
                        .where(DeliveryRow.case_number == case_number)
                        .order_by(DeliveryRow.id)
                    )
                ).all()
            )

    async def attempts(self, delivery_ids: list[int]) -> dict[int, list[DeliveryAttemptRow]]:
        out: dict[int, list[DeliveryAttemptRow]] = {i: [] for i in delivery_ids}
        if not delivery_ids:
            return out
        async with self.db.session() as s:
            for a in await s.scalars(
                select(DeliveryAttemptRow)
                .where(DeliveryAttemptRow.delivery_id.in_(delivery_ids))
                .order_by(DeliveryAttemptRow.id)
            ):
                out[a.delivery_id].append(a)
        return out

    async def flagged(self, limit: int = 100) -> list[DeliveryRow]:
        """Messages no route could carry (the big screen lists them)."""
        async with self.db.session() as s:
            return list(
                (
                    await s.scalars(
                        select(DeliveryRow)
                        .where(DeliveryRow.state == State.flagged.value)
                        .order_by(DeliveryRow.id.desc())
                        .limit(limit)
                    )
                ).all()
            )

    # --- case log ----------------------------------------------------------------------
    async def _log(self, s: AsyncSession, case_id: int, what: str, data: dict[str, Any]) -> None:
        await log_attempt(s, case_id, self.clock(), what, data)


async def log_attempt(
    s: AsyncSession, case_id: int, at: datetime, what: str, data: dict[str, Any]
) -> None:
    """One delivery event in the case log (a note; the lifecycle does not move).

    The log numbers events per case (UNIQUE case/seq): a concurrent writer can take
    our number, so the insert runs in a savepoint and takes the next one."""
    for _ in range(5):
        try:
            async with s.begin_nested():
                await caselog.append(
                    s,
                    case_id=case_id,
                    actor="system:delivery",
                    action=Action.note,
                    at=at,
                    data={"delivery": {"event": what, **data}},
                )
                await s.flush()
            return
        except IntegrityError:
            continue
    log.warning("delivery event not logged", extra={"case_id": case_id, "event": what})
