"""The channels' senders for the delivery service, built by the composition root."""

from __future__ import annotations

from contextlib import ExitStack

from channels.delivery.sms import SmsDeliverySender
from channels.delivery.wechat import WeChatDeliverySender
from channels.settings import ChannelsSettings
from channels.sms.aliyun import AliyunSmsAdapter
from channels.sms.ports import SmsGateway
from channels.sms.tencent import TencentSmsAdapter
from channels.wechat.client import WeChatAdapter
from channels.wecom.client import WeComAdapter
from core.delivery.ports import ChannelSender


def build_senders(
    settings: ChannelsSettings, stack: ExitStack, *, redis_url: str, prefix: str
) -> dict[str, ChannelSender]:
    """``sms`` (the configured provider, then the other as its fallback), ``wecom``
    and ``wechat`` (citizens' replies), each when enabled."""
    out: dict[str, ChannelSender] = {}
    sms = settings.sms
    if sms.enabled:
        aliyun, tencent = AliyunSmsAdapter(sms.aliyun), TencentSmsAdapter(sms.tencent)
        order: list[SmsGateway] = [aliyun, tencent] if sms.provider == "aliyun" else [
            tencent, aliyun]  # fmt: skip
        out["sms"] = SmsDeliverySender(order, max_chars=sms.max_chars)
    if settings.wecom.enabled:
        wecom = WeComAdapter(settings.wecom)
        stack.callback(wecom.close)
        out["wecom"] = wecom
    if settings.wechat.enabled:
        # Its access token is shared with the channels' own client through Redis.
        wechat = WeChatAdapter(settings.wechat, redis_url, prefix)
        stack.callback(wechat.close)
        out["wechat"] = WeChatDeliverySender(wechat, settings.wechat)
    return out
