"""The console's 发送答复: a reply goes to every citizen of the case on their own channel.

Routes by the contact's channel: WeChat → ``wechat`` (customer-service message; the
sender falls back to a template message outside WeChat's 48-hour window); SMS, the
app and callers with a mobile number → ``sms``. Weibo and the set-top box have no
delivery sender yet: their reply is staged without a route, i.e. ``flagged`` for a
person to handle, never silently dropped. The note in the case log and the staged
messages are one transaction.
"""

from __future__ import annotations

import re
import uuid

from sqlalchemy import select

from core.cases import caselog
from core.cases.lifecycle import Action
from core.cases.tables import CaseRow, ContactRow
from core.delivery.errors import DeliveryInvalid
from core.delivery.models import Purpose, Request, Route
from core.delivery.service import DeliveryService
from core.errors import NotFound

MOBILE = re.compile(r"^1\d{10}$")
BY_SMS = frozenset({"sms", "phone", "app"})


def citizen_route(channel: str, sender: str) -> tuple[Route, ...]:
    if channel == "wechat":
        return (Route("wechat", sender),)
    if channel in BY_SMS and MOBILE.match(sender):
        return (Route("sms", sender),)
    return ()


async def send_reply(svc: DeliveryService, number: str, text: str, *, actor: str) -> list[int]:
    """Note the reply in the case log and stage one message per citizen; their ids."""
    text = text.strip()
    if not text or len(text) > 1000:
        raise DeliveryInvalid("a reply needs 1 to 1000 characters", error_id="reply-invalid")
    key = uuid.uuid4().hex  # one reply, whatever number of citizens
    async with svc.db.session() as s:
        case_id = await s.scalar(select(CaseRow.id).where(CaseRow.number == number))
        if case_id is None:
            raise NotFound(f"no case {number}", error_id="case-not-found")
        senders = sorted(
            set(
                (
                    await s.execute(
                        select(ContactRow.channel, ContactRow.sender).where(
                            ContactRow.case_id == case_id
                        )
                    )
                ).all()
            )
        )
        await caselog.append(
            s, case_id=case_id, actor=actor[:64], action=Action.note, at=svc.clock(),
            data={"note": f"答复群众：{text}", "reply": True},
        )  # fmt: skip
        ids = []
        for channel, sender in senders:
            req = Request(
                key=f"reply:{key}:{channel}:{sender}"[:128],
                purpose=Purpose.reply,
                text=text,
                recipient=f"citizen:{channel}:{sender}"[:64],
                recipient_name=f"群众（{channel}）",
                routes=citizen_route(channel, sender),
                case_id=case_id,
                case_number=number,
            )
            if (i := await svc.stage(s, req)) is not None:
                ids.append(i)
    await svc.wake(ids)
    return ids
