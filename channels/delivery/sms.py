"""SMS for the delivery service, with provider fallback: the configured provider
first, the other one when it fails for a reason a retry might fix (unreachable,
throttled). A permanent refusal (a bad number) is not tried elsewhere.

The delivery's idempotency key goes along as the provider's OutId / SessionContext,
so the provider's receipt names the message."""

from __future__ import annotations

from channels.sms.errors import SmsSendError
from channels.sms.models import split_long
from channels.sms.ports import SmsGateway
from core.delivery.errors import SendFailed
from core.delivery.models import Channel, Outcome
from core.delivery.ports import Outgoing, Sent


class SmsDeliverySender:
    channel = Channel.sms.value

    def __init__(self, gateways: list[SmsGateway], *, max_chars: int) -> None:
        self.gateways = gateways
        self.max_chars = max_chars

    async def send(self, out: Outgoing) -> Sent:
        errors: list[str] = []
        for gw in self.gateways:
            try:
                ids = []
                for part in split_long(out.text, self.max_chars):
                    d = await gw.send(out.address, part, out_id=out.key[:64])
                    ids.append(d.vendor_id or "")
            except SmsSendError as exc:
                if exc.permanent:
                    raise SendFailed(
                        exc.message, permanent=True, provider=gw.name, details=exc.details
                    ) from exc
                errors.append(f"{gw.name}: {exc.message}")
                continue
            return Sent(Outcome.sent, gw.name, ",".join(ids)[:96] or None)
        raise SendFailed(
            "所有短信服务商均发送失败",
            provider=self.gateways[-1].name if self.gateways else None,
            details={"errors": errors},
        )
