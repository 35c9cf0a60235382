"""HTTP routes of the WeChat official account: URL verification and pushes."""

from __future__ import annotations

from typing import Annotated, Protocol

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse, Response

from channels.wechat.settings import PATH
from channels.wechat.webhook import PushQuery, WeChatWebhook
from core.deps import state
from core.errors import PayloadTooLarge


class Needs(Protocol):
    """What these routes use of the channels' services (``channels.wiring.Channels``)."""

    def wechat_webhook(self) -> WeChatWebhook: ...


ChannelServices = Annotated[Needs, Depends(state("channels"))]


router = APIRouter(tags=["channels: wechat"])


def _query(
    signature: Annotated[str | None, Query(max_length=64)] = None,
    timestamp: Annotated[str | None, Query(max_length=16)] = None,
    nonce: Annotated[str | None, Query(max_length=64)] = None,
    encrypt_type: Annotated[str | None, Query(max_length=8)] = None,
    msg_signature: Annotated[str | None, Query(max_length=64)] = None,
) -> PushQuery:
    return PushQuery(signature, timestamp, nonce, encrypt_type, msg_signature)


Signed = Annotated[PushQuery, Depends(_query)]


@router.get(PATH, response_class=PlainTextResponse, summary="WeChat server URL verification")
async def verify(
    q: Signed, ch: ChannelServices, echostr: Annotated[str | None, Query(max_length=128)] = None
) -> str:
    return ch.wechat_webhook().verify_url(q, echostr)


@router.post(PATH, summary="WeChat message and event pushes (passive reply)")
async def push(q: Signed, ch: ChannelServices, request: Request) -> Response:
    webhook = ch.wechat_webhook()
    limit = webhook.settings.max_body_bytes
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise PayloadTooLarge(f"微信消息超过 {limit} 字节", details={"limit": limit})
    media_type, content = await webhook.push(q, body)
    return Response(content, media_type=media_type)
