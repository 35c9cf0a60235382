"""HTTP routes for Weibo's fan-service push (粉丝服务平台, developer mode).

Protocol facts: the GET verification and every POST carry ``signature``,
``timestamp`` (milliseconds) and ``nonce``; signature = SHA1 of the sorted
concatenation of the app secret, timestamp and nonce. The GET echoes ``echostr``.

That signature does not cover the body (Weibo's protocol, not ours to change), so
a captured push could be replayed with another body inside the timestamp window.
Each (timestamp, nonce) is therefore accepted once: remembered in Redis (SET NX)
for twice the window, a second use is ``replay-rejected``.
"""

from __future__ import annotations

from typing import Annotated, Protocol

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse
from redis.exceptions import RedisError

from channels.errors import ChannelSignatureInvalid, ReplayRejected
from channels.stb.nonces import RedisNonceStore
from channels.wechat.crypto import check_timestamp, verify_signature
from channels.weibo.service import WeiboService, parse_push
from channels.weibo.settings import WeiboSettings
from core.deps import state
from core.errors import PayloadTooLarge, Unavailable
from core.wiring import CoreServices


class _Settings(Protocol):
    @property
    def weibo(self) -> WeiboSettings: ...


class Needs(Protocol):
    """What these routes use of the channels' services (``channels.wiring.Channels``)."""

    @property
    def core(self) -> CoreServices: ...

    @property
    def settings(self) -> _Settings: ...

    def weibo_service(self) -> WeiboService: ...


ChannelServices = Annotated[Needs, Depends(state("channels"))]


router = APIRouter(prefix="/channels/weibo", tags=["channels: weibo"])
Q = Annotated[str | None, Query(max_length=64)]
MAX_BODY = 64 * 1024


def _verify(
    ch: ChannelServices, signature: str | None, timestamp: str | None, nonce: str | None
) -> None:
    w = ch.settings.weibo
    if not timestamp or not timestamp.isdigit() or not nonce:
        raise ChannelSignatureInvalid("时间戳或 nonce 无效", error_id="timestamp-invalid")
    seconds = str(int(timestamp) // 1000) if len(timestamp) > 11 else timestamp
    check_timestamp(seconds, ch.core.clock().timestamp(), w.timestamp_window_s)
    verify_signature((w.app_secret.get_secret_value(), timestamp, nonce), signature)


@router.get("/push", response_class=PlainTextResponse, summary="Weibo URL verification")
async def verify(
    ch: ChannelServices,
    signature: Q = None,
    timestamp: Q = None,
    nonce: Q = None,
    echostr: Q = None,
) -> str:
    _verify(ch, signature, timestamp, nonce)
    return echostr or ""


@router.post("/push", response_class=PlainTextResponse, summary="Weibo private-message push")
async def push(
    request: Request, ch: ChannelServices, signature: Q = None, timestamp: Q = None, nonce: Q = None
) -> str:
    _verify(ch, signature, timestamp, nonce)
    window = ch.settings.weibo.timestamp_window_s
    nonces = RedisNonceStore(ch.core.redis, f"{ch.core.settings.redis.prefix}:weibo")
    try:
        first = await nonces.first_use(f"{timestamp}:{nonce}", int(window) * 2)
    except (RedisError, OSError) as exc:
        raise Unavailable("微博推送暂不可用", error_id="weibo-push-unavailable") from exc
    if not first:
        raise ReplayRejected("重复的推送签名", details={"nonce": nonce})
    body = await request.body()
    if len(body) > MAX_BODY:
        raise PayloadTooLarge("微博推送过大", details={"limit": MAX_BODY})
    item = parse_push(body)
    if item is not None:
        await ch.weibo_service().accept(item)
    return ""
