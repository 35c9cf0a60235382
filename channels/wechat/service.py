"""WeChatService: one typed inbound message in, the passive reply text out.

Persist first (the contact and its case commit before we answer), answer inside
WeChat's 5-second window, and leave media downloads to the worker. The dedupe
key is the message's MsgId (events: FromUserName + CreateTime), used as the
contact's idempotency key: a WeChat retry gets the same case number back.
"""

from __future__ import annotations

import logging
import re

from channels.casestatus import ASK_AGAIN, NOTHING_TO_RATE, CitizenCases
from channels.media import MediaStore
from channels.models import ACCEPTED_REPLY, Accepted
from channels.ports import Intake
from channels.service import submit
from channels.wechat import replies
from channels.wechat.errors import WeChatMessageUnsupported
from channels.wechat.models import Kind, MenuKey, WeChatMessage
from core.cases.schemas import ContactCreate, LocationIn, MediaRef
from core.ratings.models import ReplyKind, parse_reply

log = logging.getLogger(__name__)

CHANNEL = "wechat"
_NUMBER = r"([A-Z]{2,6}-\d{8}-\d{5,})"
QUERY_RE = re.compile(rf"^\s*(?:查询|查进度|进度)\s*{_NUMBER}?\s*$", re.IGNORECASE)
KNOWN_UNHANDLED = frozenset({"video", "shortvideo", "link", "file", "miniprogrampage"})
EVALUATE_RE = re.compile(rf"^\s*评价\s*{_NUMBER}\s*([1-3])\s*$", re.IGNORECASE)


class WeChatService:
    def __init__(
        self, app_id: str, intake: Intake, citizens: CitizenCases, media: MediaStore
    ) -> None:
        self.app_id = app_id
        self.intake = intake
        self.citizens = citizens
        self.media = media

    def idempotency_key(self, msg: WeChatMessage) -> str:
        return f"wx:{self.app_id}:{msg.dedupe_key}"[:128]

    async def handle(self, msg: WeChatMessage) -> str | None:
        """The reply text, or None for "no reply" (WeChat is answered ``success``)."""
        if msg.kind is Kind.text:
            return await self._text(msg)
        if msg.kind is Kind.voice:
            if msg.recognition:
                return await self._accept(msg, self._contact(msg, text=msg.recognition))
            # No recognition: keep the audio as media for asr/ to transcribe.
            ref = MediaRef(kind="audio", url=f"wechat-media:{msg.media_id}")
            return await self._accept(msg, self._contact(msg, media=[ref]), media="audio")
        if msg.kind is Kind.image:
            ref = MediaRef(kind="image", url=msg.pic_url or f"wechat-media:{msg.media_id}")
            return await self._accept(msg, self._contact(msg, media=[ref]), media="image")
        if msg.kind is Kind.location:
            # The parser guarantees both coordinates on a location message.
            loc = LocationIn(
                lat=msg.lat or 0.0, lon=msg.lon or 0.0, source="gps", address=msg.label
            )
            text = f"位置：{msg.label}" if msg.label else "发送了位置"
            return await self._accept(msg, self._contact(msg, text=text, location=loc))
        if msg.kind is Kind.event:
            return await self._event(msg)
        err = WeChatMessageUnsupported(
            "unsupported WeChat message type", details={"msg_type": msg.msg_type}
        )
        log.warning(err.message, extra={"error_id": err.error_id, "msg_type": msg.msg_type})
        # Media we do not take get a hint; anything unknown gets WeChat's "success".
        return replies.UNSUPPORTED if msg.msg_type in KNOWN_UNHANDLED else None

    async def _text(self, msg: WeChatMessage) -> str | None:
        content = msg.content.strip()
        if not content:
            return None
        if m := QUERY_RE.match(content):
            senders = await self.citizens.senders_for(CHANNEL, msg.from_user)
            if m.group(1):
                return await self.citizens.status_text(m.group(1).upper(), senders)
            return await self.citizens.recent_text(senders)
        if m := EVALUATE_RE.match(content):
            senders = await self.citizens.senders_for(CHANNEL, msg.from_user)
            return await self.citizens.evaluate(
                m.group(1).upper(), senders, int(m.group(2)), actor=f"{CHANNEL}:{msg.from_user}"
            )
        parsed = parse_reply(content)
        if parsed.kind is not ReplyKind.other:
            # A bare "1" / "不满意" answers the completion notice's evaluation request.
            senders = await self.citizens.senders_for(CHANNEL, msg.from_user)
            number = await self.citizens.awaiting_evaluation(senders)
            if parsed.rating is not None:
                if number is None:
                    return NOTHING_TO_RATE
                actor = f"{CHANNEL}:{msg.from_user}"
                return await self.citizens.evaluate(number, senders, parsed.rating, actor=actor)
            if number is not None:
                return ASK_AGAIN.format(number=number)
        return await self._accept(msg, self._contact(msg, text=content))

    async def _event(self, msg: WeChatMessage) -> str | None:
        if msg.event in ("subscribe", "subscribe_scan"):
            return replies.WELCOME
        if msg.event == "click":
            key = (msg.event_key or "").upper()
            if key == MenuKey.report:
                return replies.REPORT_GUIDE
            if key == MenuKey.progress:
                senders = await self.citizens.senders_for(CHANNEL, msg.from_user)
                return await self.citizens.recent_text(senders)
            if key == MenuKey.evaluate:
                return replies.EVALUATE_GUIDE
        # unsubscribe, LOCATION reports, VIEW clicks …: nothing to say.
        return None

    def _contact(
        self,
        msg: WeChatMessage,
        *,
        text: str = "",
        location: LocationIn | None = None,
        media: list[MediaRef] | None = None,
    ) -> ContactCreate:
        return ContactCreate(
            channel=CHANNEL,
            sender=msg.from_user,
            text=text,
            location=location,
            media=media or [],
            idempotency_key=self.idempotency_key(msg),
        )

    async def _accept(
        self, msg: WeChatMessage, body: ContactCreate, *, media: str | None = None
    ) -> str:
        accepted: Accepted = await submit(self.intake, body, actor=f"channel:{CHANNEL}")
        if media and msg.media_id and accepted.contact_id is not None:
            # Also on a retry: the first attempt may have died between the two writes.
            await self.media.record(
                CHANNEL, msg.media_id, media, accepted.contact_id, accepted.case_number
            )
        return ACCEPTED_REPLY.format(number=accepted.case_number)
