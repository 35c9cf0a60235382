"""Settings of every channel, nested under ``Settings.channels``
(environment: ``LIANDONG_CHANNELS__WECHAT__TOKEN`` and so on)."""

from __future__ import annotations

from pydantic import BaseModel, SecretStr

from channels.sms.settings import DEMO_CALLBACK_SECRET, SmsSettings
from channels.stb.settings import DEMO_MASTER_SECRET, StbSettings
from channels.wechat.settings import (
    DEMO_AES_KEY,
    DEMO_APP_SECRET,
    DEMO_TOKEN,
    WeChatSettings,
)
from channels.wecom.settings import DEMO_CORP_SECRET, WeComSettings
from channels.weibo.settings import DEMO_APP_SECRET as DEMO_WEIBO_SECRET
from channels.weibo.settings import WeiboSettings


class ChannelsSettings(BaseModel):
    wechat: WeChatSettings = WeChatSettings()
    sms: SmsSettings = SmsSettings()
    stb: StbSettings = StbSettings()
    weibo: WeiboSettings = WeiboSettings()
    # Work messages to staff (reminders, ladder steps) through WeCom (issue 13).
    wecom: WeComSettings = WeComSettings()
    # Where fetched media (evidence photos, voice for ASR) are stored.
    media_dir: str = "media"

    def production_problems(self) -> list[str]:
        """What production refuses: demo secrets, plaintext WeChat, no safe mode."""
        problems: list[str] = []

        def demo(value: SecretStr | None, sentinel: str, name: str) -> None:
            if value is not None and value.get_secret_value() == sentinel:
                problems.append(f"{name} is the demo value")

        w = self.wechat
        if w.enabled:
            demo(w.token, DEMO_TOKEN, "channels.wechat.token")
            demo(w.app_secret, DEMO_APP_SECRET, "channels.wechat.app_secret")
            demo(w.encoding_aes_key, DEMO_AES_KEY, "channels.wechat.encoding_aes_key")
            if w.encoding_aes_key is None:
                problems.append("channels.wechat.encoding_aes_key is required (safe mode)")
            if w.allow_plaintext:
                problems.append("channels.wechat.allow_plaintext is for development only")
        if self.sms.enabled:
            demo(self.sms.callback_secret, DEMO_CALLBACK_SECRET, "channels.sms.callback_secret")
        if self.stb.enabled:
            demo(self.stb.master_secret, DEMO_MASTER_SECRET, "channels.stb.master_secret")
        if self.weibo.enabled:
            demo(self.weibo.app_secret, DEMO_WEIBO_SECRET, "channels.weibo.app_secret")
        if self.wecom.enabled:
            demo(self.wecom.corp_secret, DEMO_CORP_SECRET, "channels.wecom.corp_secret")
        return problems
