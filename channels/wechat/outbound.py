"""The outbound worker's port for channel ``wechat``: customer-service text within
WeChat's 48-hour window, template messages for notices any time."""

from __future__ import annotations

from typing import Any

from channels.outbound import Delivery
from channels.wechat.ports import WeChatApi


class WeChatSender:
    def __init__(self, api: WeChatApi) -> None:
        self.api = api

    async def deliver(self, kind: str, recipient: str, payload: dict[str, Any]) -> Delivery:
        if kind == "template":
            res = await self.api.send_template(
                recipient, str(payload["template_id"]), dict(payload["data"]), payload.get("url")
            )
            return Delivery(vendor_id=str(res.get("msgid")) if res.get("msgid") else None)
        await self.api.send_text(recipient, str(payload["content"]))
        return Delivery(vendor_id=None)
