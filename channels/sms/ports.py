"""The one port every SMS provider adapter implements."""

from __future__ import annotations

from typing import Protocol

from channels.outbound import Delivery


class SmsGateway(Protocol):
    name: str

    async def send(self, phone: str, text: str, *, out_id: str | None = None) -> Delivery:
        """Send one SMS (one template variable carrying ``text``). Raises SmsSendError."""
        ...


class StaffAcks(Protocol):
    """``core.delivery.service.DeliveryService``: a reply "1" acknowledges the newest
    staff notice sent to that number by SMS (issue 13)."""

    async def acknowledge_reply(self, channel: str, address: str, *, by: str) -> int | None: ...
