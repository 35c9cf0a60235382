"""WeChat for the delivery service: a customer-service (客服) text while WeChat allows
one, else a template message.

WeChat allows customer-service messages only within 48 hours of the citizen's last
message to the account and answers 45015 ("response out of time limit") after that;
we let WeChat decide rather than guess from our own clock, and send the same text as
the progress template's remark instead."""

from __future__ import annotations

from channels.wechat.client import WeChatAdapter, WeChatSendError
from channels.wechat.settings import WeChatSettings
from core.delivery.errors import SendFailed
from core.delivery.models import Channel, Outcome
from core.delivery.ports import Outgoing, Sent

OUT_OF_WINDOW = 45015


class WeChatDeliverySender:
    channel = Channel.wechat.value

    def __init__(self, adapter: WeChatAdapter, settings: WeChatSettings) -> None:
        self.adapter = adapter
        self.settings = settings

    async def send(self, out: Outgoing) -> Sent:
        try:
            try:
                await self.adapter.send_text(out.address, out.text)
                return Sent(Outcome.sent, "wechat-cs")
            except WeChatSendError as exc:
                if exc.details.get("errcode") != OUT_OF_WINDOW:
                    raise
            data = {
                "first": {"value": "黔西市联动中心答复"},
                "keyword1": {"value": "答复"},
                "keyword2": {"value": "已答复"},
                "remark": {"value": out.text},
            }
            res = await self.adapter.send_template(
                out.address, self.settings.progress_template_id, data
            )
        except WeChatSendError as exc:
            raise SendFailed(
                exc.message, permanent=exc.permanent, provider="wechat", details=exc.details
            ) from exc
        return Sent(Outcome.sent, "wechat-template", str(res.get("msgid") or "") or None)
