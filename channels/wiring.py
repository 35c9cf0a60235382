"""How the composition root builds the channels: once per process from the core's
services (the web app keeps them in ``app.state.channels``; the worker runs their
background tasks, ``channels.worker``). ``ChannelServices`` hands them to the routes."""

from __future__ import annotations

import logging
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from fastapi import Depends

from channels.casestatus import CitizenCases
from channels.citizen.binding import IdentityBinder
from channels.citizen.lookups import LookupLimiter
from channels.grid.service import GridService
from channels.media import MediaStore
from channels.outbound import OutboundSender, OutboundService, Sender
from channels.settings import ChannelsSettings
from channels.sms.aliyun import AliyunSmsAdapter
from channels.sms.ports import SmsGateway
from channels.sms.service import SmsSender, SmsService
from channels.sms.tencent import TencentSmsAdapter
from channels.stb.nonces import RedisNonceStore
from channels.stb.service import StbService
from channels.wechat.ahead import WeChatAheadReplayer, WeChatAheadStream, WeChatWriteAhead
from channels.wechat.client import WeChatAdapter
from channels.wechat.outbound import WeChatSender
from channels.wechat.service import WeChatService
from channels.wechat.webhook import WeChatWebhook
from channels.weibo.client import WeiboClient
from channels.weibo.service import WeiboSender, WeiboService
from core.deps import state
from core.errors import Unavailable
from core.ratings.service import RatingService
from core.settings import Mode
from core.wiring import CoreServices

log = logging.getLogger(__name__)


@dataclass
class Channels:
    core: CoreServices
    settings: ChannelsSettings
    ratings: RatingService
    citizens: CitizenCases
    media: MediaStore
    outbound: OutboundService
    grid: GridService
    binder: IdentityBinder
    lookups: LookupLimiter
    wechat: WeChatWebhook | None = None
    wechat_api: WeChatAdapter | None = None
    sms: SmsService | None = None
    sms_gateway: SmsGateway | None = None
    stb: StbService | None = None
    weibo: WeiboService | None = None
    # Pushes written ahead to Redis when the database was slow (issue 13).
    wechat_ahead: WeChatAheadReplayer | None = None
    senders: dict[str, Sender] = field(default_factory=dict)

    def wechat_webhook(self) -> WeChatWebhook:
        if self.wechat is None:
            raise Unavailable("微信公众号渠道未启用", error_id="channel-disabled")
        return self.wechat

    def sms_service(self) -> SmsService:
        if self.sms is None:
            raise Unavailable("短信渠道未启用", error_id="channel-disabled")
        return self.sms

    def stb_service(self) -> StbService:
        if self.stb is None:
            raise Unavailable("机顶盒报警渠道未启用", error_id="channel-disabled")
        return self.stb

    def weibo_service(self) -> WeiboService:
        if self.weibo is None:
            raise Unavailable("微博渠道未启用", error_id="channel-disabled")
        return self.weibo

    def outbound_sender(self) -> OutboundSender:
        c = self.settings
        attempts = max(c.sms.send_attempts, c.wechat.send_attempts)
        return OutboundSender(self.core.db, self.senders, self.core.clock, max_attempts=attempts)

    @property
    def media_dir(self) -> Path:
        return self.core.settings.var_dir / self.settings.media_dir


async def build_channels(
    c: CoreServices, settings: ChannelsSettings, stack: AsyncExitStack
) -> Channels:
    if c.settings.mode is Mode.production:
        problems = settings.production_problems()
        if problems:
            raise ValueError("channels refuse to start in production: " + "; ".join(problems))
    citizens = CitizenCases(c.db, c.cases, c.settings.cases.timezone)
    media = MediaStore(c.db, c.clock)
    outbound = OutboundService(c.db, c.clock)
    grid = GridService(c.db, c.intake, c.cases, c.clock)
    binder = IdentityBinder(
        c.redis,
        c.settings.redis.prefix,
        c.settings.auth.secret_key.get_secret_value().encode(),
        citizens,
        outbound,
    )
    lookups = LookupLimiter(c.redis, c.settings.redis.prefix)
    ch = Channels(
        c, settings, RatingService(c.db, c.clock), citizens, media, outbound, grid, binder, lookups
    )
    w = settings.wechat
    if w.enabled:
        service = WeChatService(w.app_id, c.intake, citizens, media)
        ahead = WeChatAheadStream(c.redis, prefix=c.settings.redis.prefix)
        ch.wechat = WeChatWebhook(
            w,
            service,
            c.clock,
            # Plaintext (明文模式) only on a developer's machine, and only if asked for.
            plaintext_allowed=w.allow_plaintext and c.settings.mode is Mode.development,
            ahead=WeChatWriteAhead(ahead),
        )
        ch.wechat_ahead = WeChatAheadReplayer(ahead, service, outbound)
        ch.wechat_api = WeChatAdapter(w, c.settings.redis.url, c.settings.redis.prefix)
        stack.callback(ch.wechat_api.close)
        ch.senders["wechat"] = WeChatSender(ch.wechat_api)
    if settings.sms.enabled:
        ch.sms = SmsService(c.intake, citizens, outbound, max_chars=settings.sms.max_chars)
        gateway: SmsGateway = (
            AliyunSmsAdapter(settings.sms.aliyun)
            if settings.sms.provider == "aliyun"
            else TencentSmsAdapter(settings.sms.tencent)
        )
        ch.sms_gateway = gateway
        ch.senders["sms"] = SmsSender(gateway)
    if settings.stb.enabled:
        nonces = RedisNonceStore(c.redis, c.settings.redis.prefix)
        ch.stb = StbService(settings.stb, c.db, c.intake, c.orgmap, nonces, c.clock)
    wb = settings.weibo
    if wb.enabled:
        client = WeiboClient(wb)
        stack.push_async_callback(client.aclose)
        ch.weibo = WeiboService(c.db, c.intake, client, outbound, c.clock, wb.poll_every_s)
        ch.senders["weibo"] = WeiboSender(client)
    return ch


ChannelServices = Annotated[Channels, Depends(state("channels"))]
