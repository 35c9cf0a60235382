"""SmsService: inbound texts become contacts (or answers), receipts move delivery
status forward, and notices go out split to the providers' size limits."""

from __future__ import annotations

import logging
import re
from typing import Any

from channels.casestatus import ASK_AGAIN, NOTHING_TO_RATE, CitizenCases
from channels.models import ACCEPTED_REPLY, OutboundStatus
from channels.outbound import Delivery, OutboundService
from channels.ports import Intake
from channels.service import submit
from channels.sms.models import SmsInbound, SmsReceipt, split_long
from channels.sms.ports import SmsGateway, StaffAcks
from core.cases.schemas import ContactCreate
from core.ratings.models import ReplyKind, parse_reply

log = logging.getLogger(__name__)
CHANNEL = "sms"
_NUMBER = r"([A-Z]{2,6}-\d{8}-\d{5,})"
QUERY_RE = re.compile(rf"^\s*(?:查询|CX)\s*{_NUMBER}?\s*$", re.IGNORECASE)
EVALUATE_RE = re.compile(rf"^\s*(?:评价|PJ)\s*{_NUMBER}\s*([1-3])\s*$", re.IGNORECASE)


class SmsService:
    def __init__(
        self,
        intake: Intake,
        citizens: CitizenCases,
        outbound: OutboundService,
        *,
        max_chars: int,
    ) -> None:
        self.intake = intake
        self.citizens = citizens
        self.outbound = outbound
        self.max_chars = max_chars
        # Set by the composition root when the delivery service runs (issue 13).
        self.staff_acks: StaffAcks | None = None

    async def notify(
        self, phone: str, text: str, *, case_number: str | None, dedupe_key: str
    ) -> None:
        """Queue a notice; long ones become numbered parts, each sent once."""
        for i, part in enumerate(split_long(text, self.max_chars)):
            await self.outbound.enqueue(
                CHANNEL,
                "sms",
                phone,
                {"text": part},
                case_number=case_number,
                dedupe_key=f"{dedupe_key}#{i}",
            )

    async def inbound(self, messages: list[SmsInbound]) -> None:
        for m in messages:
            await self._one(m)

    async def _one(self, m: SmsInbound) -> None:
        text = m.text.strip()
        if not text:
            return
        number: str | None = None
        senders = {m.phone}
        if q := QUERY_RE.match(text):
            if q.group(1):
                reply = await self.citizens.status_text(q.group(1).upper(), senders)
            else:
                reply = await self.citizens.recent_text(senders)
        elif e := EVALUATE_RE.match(text):
            reply = await self.citizens.evaluate(
                e.group(1).upper(), senders, int(e.group(2)), actor=f"{CHANNEL}:{m.phone}"
            )
        elif await self._staff_ack(m.phone, text):
            return  # a leader confirmed a notice: nothing to answer
        elif (rated := await self._bare_rating(m.phone, text)) is not None:
            reply = rated
        else:
            body = ContactCreate(
                channel=CHANNEL, sender=m.phone, text=text, idempotency_key=f"sms:{m.vendor_id}"
            )
            accepted = await submit(self.intake, body, actor=f"channel:{CHANNEL}")
            number = accepted.case_number
            reply = ACCEPTED_REPLY.format(number=number)
        # The provider retries a callback we did not acknowledge: one reply per message.
        await self.notify(m.phone, reply, case_number=number, dedupe_key=f"reply:{m.vendor_id}")

    async def _staff_ack(self, phone: str, text: str) -> bool:
        """A bare "1" from a number a staff notice awaits acknowledgement from (it
        asked for 收到请回复1); a citizen's "1" rating is never taken for one, as no
        staff notice waits on a citizen's number."""
        if self.staff_acks is None or text not in ("1", "１"):
            return False
        found = await self.staff_acks.acknowledge_reply(CHANNEL, phone, by=f"{CHANNEL}:{phone}")
        return found is not None

    async def _bare_rating(self, phone: str, text: str) -> str | None:
        """A reply to the completion notice without the case number ("1", "１",
        "1满意谢谢", "不满意!!"); None when the text is not meant as a rating."""
        parsed = parse_reply(text)
        if parsed.kind is ReplyKind.other:
            return None
        number = await self.citizens.awaiting_evaluation({phone})
        if parsed.kind is ReplyKind.unclear or parsed.rating is None:
            # Noise is a failed rating only while a rating was asked for.
            return ASK_AGAIN.format(number=number) if number else None
        if number is None:
            return NOTHING_TO_RATE
        return await self.citizens.evaluate(
            number, {phone}, int(parsed.rating), actor=f"{CHANNEL}:{phone}"
        )

    async def receipts(self, receipts: list[SmsReceipt]) -> int:
        moved = 0
        for r in receipts:
            error = None if r.status is OutboundStatus.delivered else r.code
            moved += await self.outbound.receipt(CHANNEL, r.vendor_id, r.status, error=error)
        return moved


class SmsSender:
    """The outbound worker's port for channel ``sms``."""

    def __init__(self, gateway: SmsGateway) -> None:
        self.gateway = gateway

    async def deliver(self, kind: str, recipient: str, payload: dict[str, Any]) -> Delivery:
        return await self.gateway.send(recipient, str(payload["text"]))
