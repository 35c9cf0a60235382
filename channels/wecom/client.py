"""Staff notices as WeCom work messages through wechatpy's work-WeChat client.

wechatpy 1.8 ships the work client as ``wechatpy.enterprise`` (2.x renamed it
``wechatpy.work``); it is synchronous (requests), so calls run in a worker thread and
its exceptions are translated here, once. A notice that asks for acknowledgement is a
text card (文本卡片) whose button opens our acknowledgement link; otherwise a text.

WeCom facts: ``gettoken?corpid&corpsecret`` gives a 7200 s token; ``message/send``
answers ``errcode`` 0 with ``invaliduser`` listing recipients it could not reach
(not in the app's visible range), which for one recipient is a failure of this route.
"""

from __future__ import annotations

import asyncio
from typing import Any

from wechatpy.enterprise import WeChatClient
from wechatpy.exceptions import WeChatClientException

from channels.wecom.settings import WeComSettings
from core.delivery.errors import SendFailed
from core.delivery.models import Channel, Outcome
from core.delivery.ports import Outgoing, Sent

# Codes no retry fixes: unknown user, app not allowed to reach them, bad agent id.
PERMANENT = frozenset({40003, 60111, 81013, 40056, 301002})


class _WorkClient(WeChatClient):  # type: ignore[misc]  # untyped base
    """The work client with a configurable API base (wechatpy hard-codes the token URL)."""

    def __init__(self, settings: WeComSettings) -> None:
        super().__init__(
            settings.corp_id,
            settings.corp_secret.get_secret_value(),
            timeout=settings.api_timeout_s,
        )
        self.API_BASE_URL = settings.api_base.rstrip("/") + "/cgi-bin/"

    def fetch_access_token(self) -> dict[str, Any]:
        result: dict[str, Any] = self._fetch_access_token(
            url=self.API_BASE_URL + "gettoken",
            params={"corpid": self.corp_id, "corpsecret": self.secret},
        )
        return result


class WeComAdapter:
    """The delivery service's ``wecom`` channel: the address is the member's user id."""

    channel = Channel.wecom.value

    def __init__(self, settings: WeComSettings) -> None:
        self.settings = settings
        self.client = _WorkClient(settings)

    def close(self) -> None:
        self.client._http.close()

    async def send(self, out: Outgoing) -> Sent:
        msg = self.client.message
        agent = self.settings.agent_id
        try:
            if out.ack_url:
                res = await asyncio.to_thread(
                    msg.send_text_card, agent, out.address, "黔西110联动·请确认收到",
                    out.text, out.ack_url, "确认收到",
                )  # fmt: skip
            else:
                res = await asyncio.to_thread(msg.send_text, agent, out.address, out.text)
        except WeChatClientException as exc:
            raise SendFailed(
                f"企业微信接口错误 {exc.errcode}",
                permanent=exc.errcode in PERMANENT,
                provider="wecom",
                details={"errcode": exc.errcode},
            ) from exc
        except OSError as exc:  # requests' ConnectionError/Timeout are OSErrors
            raise SendFailed(
                "企业微信接口不可达", provider="wecom", details={"error": type(exc).__name__}
            ) from exc
        if res.get("invaliduser"):
            raise SendFailed(
                "企业微信成员不可达", permanent=True, provider="wecom",
                details={"invaliduser": str(res["invaliduser"])[:60]},
            )  # fmt: skip
        return Sent(Outcome.sent, "wecom", str(res.get("msgid") or "") or None)
