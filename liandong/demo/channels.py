"""``liandong demo channels``: the demo credentials of every channel, one JSON object.

Outside production only: these are the demo defaults of ``ChannelsSettings`` (or
whatever the environment overrides), so a developer can point the WeChat pusher,
an SMS provider console or a set-top box at a local platform.
"""

from __future__ import annotations

from typing import Any

from channels.stb.signing import device_key
from channels.wechat.settings import PATH
from liandong.settings import Settings

# The first set-top box the deterministic Qianxi demo seed registers
# (core.orgmap.demo_places: "STB-%08X" of the odd-multiplier sequence at 0).
DEMO_STB_DEVICE = f"STB-{0x9E3779B9:08X}"


def demo_credentials(settings: Settings, stb_device_id: str = DEMO_STB_DEVICE) -> dict[str, Any]:
    ch = settings.channels
    w = ch.wechat
    token = ch.sms.callback_secret.get_secret_value()
    return {
        "wechat": {
            "app_id": w.app_id,
            "app_secret": w.app_secret.get_secret_value(),
            "token": w.token.get_secret_value(),
            "encoding_aes_key": (
                w.encoding_aes_key.get_secret_value() if w.encoding_aes_key else None
            ),
            "path": PATH,
            "api_base": w.api_base,
        },
        "sms": {
            "callback_secret": token,
            "callbacks": {
                "aliyun_up": f"/channels/sms/aliyun/up?token={token}",
                "aliyun_report": f"/channels/sms/aliyun/report?token={token}",
                "tencent_reply": f"/channels/sms/tencent/reply?token={token}",
                "tencent_status": f"/channels/sms/tencent/status?token={token}",
            },
            "provider": ch.sms.provider,
        },
        "stb": {
            "device_id": stb_device_id,
            "key": device_key(ch.stb.master_secret.get_secret_value(), stb_device_id, 1),
            "alarm": "/api/v1/channels/stb/alarm",
            "heartbeat": "/api/v1/channels/stb/heartbeat",
            "signature": "hex(HMAC-SHA256(key, device_id\\ntimestamp\\nnonce\\nbody))",
        },
        "weibo": {
            "app_key": ch.weibo.app_key,
            "app_secret": ch.weibo.app_secret.get_secret_value(),
            "push": "/channels/weibo/push",
        },
        "app": {"gateway_login": "gateway", "reports": "/api/v1/channels/app/reports"},
    }
