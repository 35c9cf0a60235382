"""Intake: one contact in, one case out, committed together with its outbox row.

The database is the source of truth. The contact, its new case, the case log's
first event and the outbox row commit in one transaction; only then is the
event published to the Redis stream. If Redis is down at that moment the
outbox relay publishes it later, so losing Redis loses nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from liandong.cases import caselog
from liandong.cases.lifecycle import Action
from liandong.cases.models import Channel, Hotline, LocationSource
from liandong.cases.numbering import local_day, next_number
from liandong.cases.schemas import ContactCreate, ContactCreated
from liandong.cases.tables import CaseRow, ContactRow
from liandong.db.engine import Database
from liandong.errors import DuplicateIdempotencyKey, InvalidInput, UnknownChannel, UnknownHotline
from liandong.queue.ports import Publisher
from liandong.queue.tables import OutboxRow
from liandong.settings import CaseSettings

TOPIC_CONTACT_RECEIVED = "contact.received"


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


class IntakeService:
    def __init__(
        self,
        db: Database,
        publisher: Publisher,
        settings: CaseSettings,
        clock: Callable[[], datetime],
    ) -> None:
        self.db = db
        self.publisher = publisher
        self.settings = settings
        self.clock = clock

    async def receive(self, body: ContactCreate, *, actor: str) -> ContactCreated:
        checked = _check(body)
        digest = payload_digest(body)
        if body.idempotency_key is not None:
            await self._refuse_duplicate(body.idempotency_key, digest)
        try:
            created, outbox = await self._commit(body, checked, digest, actor)
        except IntegrityError:
            # Two requests with one key raced past the check above; the unique
            # index let exactly one commit and rolled this one back whole.
            if body.idempotency_key is None:
                raise
            await self._refuse_duplicate(body.idempotency_key, digest)
            raise  # the violation was not the idempotency key after all
        await self.publisher.publish(outbox.id, outbox.topic, outbox.payload)
        return created

    async def _refuse_duplicate(self, key: str, digest: str) -> None:
        async with self.db.session() as s:
            row = (
                await s.execute(
                    select(ContactRow.id, ContactRow.raw_digest, CaseRow.number)
                    .join(CaseRow, CaseRow.id == ContactRow.case_id)
                    .where(ContactRow.idempotency_key == key)
                )
            ).first()
        if row is not None:
            raise DuplicateIdempotencyKey(
                "this idempotency key was already used; the original contact stands",
                details={
                    "contact_id": row.id,
                    "case_number": row.number,
                    "same_payload": row.raw_digest == digest,
                },
            )

    async def _commit(
        self, body: ContactCreate, checked: _Checked, digest: str, actor: str
    ) -> tuple[ContactCreated, OutboxRow]:
        now = self.clock()
        loc = body.location
        async with self.db.session() as s:
            number = await next_number(
                s, self.settings.number_prefix, local_day(now, self.settings.timezone)
            )
            case = CaseRow(
                number=number,
                state="received",
                emergency=False,
                priority=3,
                summary=body.text[:200],
                created_at=now,
                updated_at=now,
                lat=loc.lat if loc else None,
                lon=loc.lon if loc else None,
                location_source=checked.location_source.value if checked.location_source else None,
                address=loc.address if loc else None,
                reopen_count=0,
                queued=False,
                version=1,
            )
            s.add(case)
            await s.flush()
            contact = ContactRow(
                channel=checked.channel.value,
                hotline=checked.hotline.value if checked.hotline else None,
                sender=body.sender,
                sender_name=body.sender_name,
                text=body.text,
                media=[m.model_dump(mode="json") for m in body.media],
                lat=case.lat,
                lon=case.lon,
                location_source=case.location_source,
                location_accuracy_m=loc.accuracy_m if loc else None,
                address=case.address,
                live=body.live,
                received_at=now,
                raw_digest=digest,
                idempotency_key=body.idempotency_key,
                case_id=case.id,
                created_by=actor,
            )
            s.add(contact)
            await s.flush()
            after: dict[str, Any] = {
                "number": number,
                "state": "received",
                "summary": case.summary,
                "priority": 3,
                "emergency": False,
                "reopen_count": 0,
            }
            await caselog.append(
                s,
                case_id=case.id,
                actor=actor,
                action=Action.create,
                at=now,
                after=after,
                data={"contact_id": contact.id},
                seq=1,
            )
            outbox = OutboxRow(
                topic=TOPIC_CONTACT_RECEIVED,
                created_at=now,
                attempts=0,
                payload={"contact_id": contact.id, "case_id": case.id, "case_number": number},
            )
            s.add(outbox)
            await s.flush()
        return ContactCreated(contact_id=contact.id, case_number=number), outbox
