"""WeiboService: @mentions and comments polled with persisted cursors, private
messages pushed by the fan-service platform; each becomes a contact, and the
citizen gets the case number back as a comment reply or a private message."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from typing import Any

from channels.models import ACCEPTED_REPLY
from channels.outbound import Delivery, OutboundService
from channels.ports import Intake
from channels.service import submit
from channels.tables import ChannelCursorRow
from channels.weibo.client import WeiboClient
from channels.weibo.errors import WeiboApiError, WeiboPushInvalid
from channels.weibo.models import Feed, WeiboItem
from core.cases.schemas import ContactCreate, LocationIn
from core.clock import Clock
from core.storage.engine import Database

log = logging.getLogger(__name__)
CHANNEL = "weibo"


def parse_push(body: bytes) -> WeiboItem | None:
    """A fan-service push: ``{"type", "receiver_id", "sender_id", "created_at",
    "text", "data"}``; ``type`` text or position (data: longitude, latitude).
    Events (follow, unfollow, menu clicks) return None."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise WeiboPushInvalid("微博推送不是合法 JSON") from None
    if not isinstance(data, dict) or not data.get("sender_id"):
        raise WeiboPushInvalid("微博推送缺少 sender_id")
    kind, text = data.get("type"), str(data.get("text") or "")[:2000]
    raw_extra = data.get("data")
    extra: dict[str, Any] = raw_extra if isinstance(raw_extra, dict) else {}
    lat = lon = None
    if kind == "position":
        try:
            lat, lon = float(extra["latitude"]), float(extra["longitude"])
        except (KeyError, TypeError, ValueError):
            raise WeiboPushInvalid("位置消息缺少经纬度") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise WeiboPushInvalid("位置超出范围")
        text = text or "发送了位置"
    elif kind != "text":
        return None
    uid = str(data["sender_id"])
    digest = hashlib.sha256(f"{uid}|{data.get('created_at')}|{text}|{lat}|{lon}".encode())
    return WeiboItem(Feed.messages, digest.hexdigest()[:32], uid, None, text, None, lat, lon)


class WeiboService:
    def __init__(
        self,
        db: Database,
        intake: Intake,
        client: WeiboClient,
        outbound: OutboundService,
        clock: Clock,
        poll_every_s: float,
    ) -> None:
        self.db = db
        self.intake = intake
        self.client = client
        self.outbound = outbound
        self.clock = clock
        self.poll_every_s = poll_every_s

    async def accept(self, item: WeiboItem) -> str | None:
        if not item.text.strip():
            return None
        loc = None
        if item.lat is not None and item.lon is not None:
            loc = LocationIn(lat=item.lat, lon=item.lon, source="gps")
        body = ContactCreate(
            channel=CHANNEL,
            sender=item.uid or "unknown",
            sender_name=item.screen_name[:64] if item.screen_name else None,
            text=item.text,
            location=loc,
            idempotency_key=item.idempotency_key[:128],
        )
        accepted = await submit(self.intake, body, actor=f"channel:{CHANNEL}")
        reply = ACCEPTED_REPLY.format(number=accepted.case_number)
        payload: dict[str, Any]
        if item.feed is Feed.messages:
            kind, payload = "message", {"text": reply}
        else:
            reply_to = item.id if item.feed is Feed.comments else None
            kind = "comment"
            payload = {"text": reply, "status_id": item.status_id, "reply_to": reply_to}
        await self.outbound.enqueue(
            CHANNEL,
            kind,
            item.uid,
            payload,
            case_number=accepted.case_number,
            dedupe_key=f"reply:{item.idempotency_key}",
        )
        return accepted.case_number

    async def _cursor(self, feed: Feed) -> str | None:
        async with self.db.session() as s:
            row = await s.get(ChannelCursorRow, f"weibo:{feed.value}")
            return row.value if row else None

    async def _save(self, feed: Feed, value: str) -> None:
        async with self.db.session() as s:
            row = await s.get(ChannelCursorRow, f"weibo:{feed.value}")
            if row is None:
                row = ChannelCursorRow(name=f"weibo:{feed.value}", value=value)
                s.add(row)
            row.value, row.updated_at = value, self.clock()

    async def poll_once(self) -> int:
        """Fetch what is newer than each feed's cursor, accept it, then move the
        cursor. A crash before the cursor moves re-reads items: their idempotency
        keys make that harmless."""
        done = 0
        for feed, fetch in (
            (Feed.mentions, self.client.mentions),
            (Feed.comments, self.client.comments_to_me),
        ):
            since = await self._cursor(feed)
            items = await fetch(since)
            for item in sorted(items, key=lambda i: int(i.id)):
                await self.accept(item)
                done += 1
            if items:
                await self._save(feed, str(max(int(i.id) for i in items)))
        return done

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.poll_once()
            except WeiboApiError as exc:
                log.warning("weibo poll failed", extra={"error_id": exc.error_id, **exc.details})
            except Exception:
                log.exception("weibo poll round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.poll_every_s)


class WeiboSender:
    """The outbound worker's port for channel ``weibo``."""

    def __init__(self, client: WeiboClient) -> None:
        self.client = client

    async def deliver(self, kind: str, recipient: str, payload: dict[str, Any]) -> Delivery:
        text = str(payload["text"])
        if kind == "message":
            await self.client.message(recipient, text)
            return Delivery(vendor_id=None)
        cid = await self.client.comment(
            str(payload["status_id"]), text, reply_to=payload.get("reply_to")
        )
        return Delivery(vendor_id=cid or None)
