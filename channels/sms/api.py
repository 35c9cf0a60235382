"""HTTP routes for the SMS providers' callbacks (Aliyun HTTP push, Tencent callbacks).

Configure each URL in the provider's console with ``?token=<callback_secret>``.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Depends, Query, Request

from channels.errors import ChannelSignatureInvalid
from channels.sms import aliyun, tencent
from channels.sms.service import SmsService
from channels.sms.settings import SmsSettings
from core.deps import state
from core.errors import PayloadTooLarge


class _Settings(Protocol):
    @property
    def sms(self) -> SmsSettings: ...


class Needs(Protocol):
    """What these routes use of the channels' services (``channels.wiring.Channels``)."""

    @property
    def settings(self) -> _Settings: ...

    def sms_service(self) -> SmsService: ...


ChannelServices = Annotated[Needs, Depends(state("channels"))]


router = APIRouter(prefix="/channels/sms", tags=["channels: sms"])
MAX_BODY = 256 * 1024
Token = Annotated[str | None, Query(max_length=128)]


async def _checked(request: Request, ch: ChannelServices, token: str | None) -> bytes:
    s = ch.settings.sms
    secret = s.callback_secret.get_secret_value().encode()
    if not token or not hmac.compare_digest(token.encode(), secret):
        raise ChannelSignatureInvalid("回调令牌错误", error_id="callback-token-invalid")
    host = request.client.host if request.client else ""
    if s.allowed_sources and host not in s.allowed_sources:
        raise ChannelSignatureInvalid("回调来源不在白名单", error_id="callback-source-refused")
    body = await request.body()
    if len(body) > MAX_BODY:
        raise PayloadTooLarge("短信回调过大", details={"limit": MAX_BODY})
    return body


def _sms(ch: ChannelServices) -> SmsService:
    return ch.sms_service()


@router.post("/aliyun/up", summary="Aliyun SmsUpReport (上行短信) push")
async def aliyun_up(request: Request, ch: ChannelServices, token: Token = None) -> dict[str, Any]:
    await _sms(ch).inbound(aliyun.parse_up(await _checked(request, ch, token)))
    return aliyun.ACK


@router.post("/aliyun/report", summary="Aliyun SmsReport (回执) push")
async def aliyun_report(
    request: Request, ch: ChannelServices, token: Token = None
) -> dict[str, Any]:
    await _sms(ch).receipts(aliyun.parse_report(await _checked(request, ch, token)))
    return aliyun.ACK


@router.post("/tencent/reply", summary="Tencent Cloud reply (回复短信) callback")
async def tencent_reply(
    request: Request, ch: ChannelServices, token: Token = None
) -> dict[str, Any]:
    await _sms(ch).inbound(tencent.parse_reply(await _checked(request, ch, token)))
    return tencent.ACK


@router.post("/tencent/status", summary="Tencent Cloud status report (状态回执) callback")
async def tencent_status(
    request: Request, ch: ChannelServices, token: Token = None
) -> dict[str, Any]:
    await _sms(ch).receipts(tencent.parse_status(await _checked(request, ch, token)))
    return tencent.ACK
