"""Intake: one contact in, one case out, committed together with its outbox row.

The database is the source of truth. The contact, its new case, the case log's
first event and the outbox row commit in one transaction; only then is the
event published to the Redis stream. If Redis is down at that moment the
outbox relay publishes it later, so losing Redis loses nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, func, select, text
from sqlalchemy.exc import IntegrityError

from core.cases.batcher import Batcher
from core.cases.lifecycle import Action
from core.cases.models import Channel, Hotline, LocationSource
from core.cases.numbering import local_day, next_numbers
from core.cases.schemas import ContactCreate, ContactCreated
from core.cases.settings import CaseSettings
from core.cases.tables import CaseEventRow, CaseRow, ContactRow
from core.clock import Clock
from core.errors import DuplicateIdempotencyKey, InvalidInput, UnknownChannel, UnknownHotline
from core.queue.ports import Publisher
from core.queue.tables import OutboxRow
from core.storage.chain import seal_events
from core.storage.engine import Database

TOPIC_CONTACT_RECEIVED = "contact.received"

_CASES: Table = CaseRow.__table__  # type: ignore[assignment]
_CONTACTS: Table = ContactRow.__table__  # type: ignore[assignment]
_EVENTS: Table = CaseEventRow.__table__  # type: ignore[assignment]
_OUTBOX: Table = OutboxRow.__table__  # type: ignore[assignment]


def payload_digest(body: ContactCreate) -> str:
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class _Checked:
    channel: Channel
    hotline: Hotline | None
    location_source: LocationSource | None


def _check(body: ContactCreate) -> _Checked:
    try:
        channel = Channel(body.channel)
    except ValueError:
        raise UnknownChannel(
            f"unknown channel {body.channel!r}", details={"allowed": [c.value for c in Channel]}
        ) from None
    hotline = None
    if body.hotline is not None:
        try:
            hotline = Hotline(body.hotline)
        except ValueError:
            raise UnknownHotline(
                f"unknown hotline {body.hotline!r}",
                details={"allowed": [h.value for h in Hotline]},
            ) from None
    if hotline is not None and channel is not Channel.phone:
        raise InvalidInput(
            "a hotline is given only for phone contacts", details={"channel": channel.value}
        )
    source = None
    if body.location is not None:
        try:
            source = LocationSource(body.location.source)
        except ValueError:
            raise InvalidInput(
                f"unknown location source {body.location.source!r}",
                details={"allowed": [s.value for s in LocationSource]},
            ) from None
    if not body.text.strip() and not body.media and not body.live:
        raise InvalidInput("a contact needs text, media, or a live call")
    return _Checked(channel, hotline, source)


@dataclass(frozen=True, slots=True)
class _Pending:
    body: ContactCreate
    checked: _Checked
    digest: str
    actor: str


Outgoing = tuple[int, str, dict[str, Any]]  # outbox id, topic, payload


class IntakeService:
    def __init__(
        self,
        db: Database,
        publisher: Publisher,
        settings: CaseSettings,
        clock: Clock,
        *,
        max_batch: int = 64,
    ) -> None:
        self.db = db
        self.publisher = publisher
        self.settings = settings
        self.clock = clock
        self.batcher: Batcher[_Pending, ContactCreated] = Batcher(
            self._write_batch, max_batch=max_batch
        )

    async def receive(self, body: ContactCreate, *, actor: str) -> ContactCreated:
        """Validate, then commit with whatever else is arriving (group commit)."""
        pending = _Pending(body, _check(body), payload_digest(body), actor)
        return await self.batcher.submit(pending)

    async def close(self) -> None:
        await self.batcher.close()

    async def _write_batch(self, items: list[_Pending]) -> list[ContactCreated | BaseException]:
        results: list[ContactCreated | BaseException] = []
        outgoing: list[Outgoing] = []
        try:
            for created, out in await self._commit_many(items):
                results.append(created)
                outgoing.append(out)
        except IntegrityError:
            # Some item reused an idempotency key (possibly one of its batch
            # mates): the batch rolled back whole; write them one at a time so
            # only the duplicate is refused.
            results, outgoing = [], []
            for item in items:
                try:
                    ((created, out),) = await self._commit_many([item])
                except IntegrityError as exc:
                    results.append(await self._conflict(item, exc))
                    continue
                results.append(created)
                outgoing.append(out)
        if outgoing:
            await self.publisher.publish_many(outgoing)
        return results

    async def _conflict(self, item: _Pending, exc: IntegrityError) -> BaseException:
        key = item.body.idempotency_key
        if key is None:
            return exc
        async with self.db.session() as s:
            row = (
                await s.execute(
                    select(ContactRow.id, ContactRow.raw_digest, CaseRow.number)
                    .join(CaseRow, CaseRow.id == ContactRow.case_id)
                    .where(ContactRow.idempotency_key == key)
                )
            ).first()
        if row is None:
            return exc  # the violation was not the idempotency key after all
        return DuplicateIdempotencyKey(
            "this idempotency key was already used; the original contact stands",
            details={
                "contact_id": row.id,
                "case_number": row.number,
                "same_payload": row.raw_digest == item.digest,
            },
        )

    async def _commit_many(self, items: list[_Pending]) -> list[tuple[ContactCreated, Outgoing]]:
        now = self.clock()
        return await self.db.run_transaction(lambda conn: self._write(conn, items, now))

    def _write(
        self, s: Connection, items: list[_Pending], now: datetime
    ) -> list[tuple[ContactCreated, Outgoing]]:
        """Contacts, their cases, the cases' first log events and the outbox rows of
        a whole batch in one transaction, with one statement per table."""
        numbers = next_numbers(
            s,
            self.settings.number_prefix,
            local_day(now, self.settings.timezone),
            len(items),
        )
        n = len(items)
        # Keys are taken up front so every insert is a plain executemany of one
        # cached statement: multi-row INSERT … RETURNING renders a fresh SQL text
        # per batch size and cost ~270 µs per contact here.
        case_ids, contact_ids, outbox_ids = (
            _allocate_ids(s, table, n) for table in (_CASES, _CONTACTS, _OUTBOX)
        )
        cases = [
            {**_case_row(it, number, now), "id": cid}
            for it, number, cid in zip(items, numbers, case_ids, strict=True)
        ]
        s.execute(_CASES.insert(), cases)
        s.execute(
            _CONTACTS.insert(),
            [
                {**_contact_row(it, case, case["id"], now), "id": kid}
                for it, case, kid in zip(items, cases, contact_ids, strict=True)
            ],
        )
        # New cases: each event starts its case's hash chain.
        events = [
            {
                "case_id": case["id"],
                "seq": 1,
                "at": now,
                "actor": it.actor,
                "action": Action.create.value,
                "before": {},
                "after": {
                    "number": case["number"],
                    "state": "received",
                    "summary": case["summary"],
                    "priority": 3,
                    "emergency": False,
                    "reopen_count": 0,
                },
                "data": {"contact_id": kid},
            }
            for it, case, kid in zip(items, cases, contact_ids, strict=True)
        ]
        seal_events(events)
        s.execute(_EVENTS.insert(), events)
        payloads = [
            {"contact_id": kid, "case_id": cid, "case_number": num}
            for kid, cid, num in zip(contact_ids, case_ids, numbers, strict=True)
        ]
        s.execute(
            _OUTBOX.insert(),
            [
                {
                    "id": oid,
                    "topic": TOPIC_CONTACT_RECEIVED,
                    "payload": p,
                    "created_at": now,
                    "attempts": 0,
                }
                for oid, p in zip(outbox_ids, payloads, strict=True)
            ],
        )
        return [
            (ContactCreated(contact_id=kid, case_number=n), (oid, TOPIC_CONTACT_RECEIVED, p))
            for kid, n, oid, p in zip(contact_ids, numbers, outbox_ids, payloads, strict=True)
        ]


def _allocate_ids(conn: Connection, table: Table, n: int) -> list[int]:
    """``n`` fresh primary keys of ``table`` inside the caller's transaction.

    PostgreSQL: from the column's sequence, so concurrent writers never collide.
    SQLite: max(id) + 1 … is safe because the transaction began with BEGIN
    IMMEDIATE and holds the database's only write lock until it commits.
    """
    if conn.dialect.name == "postgresql":
        rows = conn.execute(
            text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
            {"t": table.name, "n": n},
        )
        return [int(r[0]) for r in rows]
    # sqlite_sequence remembers ids of deleted rows for AUTOINCREMENT tables.
    top = conn.execute(select(func.max(table.c.id))).scalar() or 0
    if table.name == "cases":
        seq = conn.execute(text("SELECT seq FROM sqlite_sequence WHERE name = 'cases'")).scalar()
        top = max(top, seq or 0)
    return list(range(top + 1, top + 1 + n))


def _case_row(item: _Pending, number: str, now: datetime) -> dict[str, Any]:
    loc = item.body.location
    src = item.checked.location_source
    return {
        "number": number,
        "state": "received",
        "emergency": False,
        "priority": 3,
        "summary": item.body.text[:200],
        "created_at": now,
        "updated_at": now,
        "lat": loc.lat if loc else None,
        "lon": loc.lon if loc else None,
        "location_source": src.value if src else None,
        "address": loc.address if loc else None,
        "reopen_count": 0,
        "queued": False,
        "version": 1,
    }


def _contact_row(
    item: _Pending, case: dict[str, Any], case_id: int, now: datetime
) -> dict[str, Any]:
    body, checked = item.body, item.checked
    return {
        "channel": checked.channel.value,
        "hotline": checked.hotline.value if checked.hotline else None,
        "sender": body.sender,
        "sender_name": body.sender_name,
        "text": body.text,
        "transcript": None,
        "media": [m.model_dump(mode="json") for m in body.media],
        "lat": case["lat"],
        "lon": case["lon"],
        "location_source": case["location_source"],
        "location_accuracy_m": body.location.accuracy_m if body.location else None,
        "address": case["address"],
        "live": body.live,
        "received_at": now,
        "raw_digest": item.digest,
        "idempotency_key": body.idempotency_key,
        "case_id": case_id,
        "created_by": item.actor,
    }
