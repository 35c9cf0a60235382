"""What a surge sends, through the platform's real front doors, with the simulators.

Every contact carries its marker: ``演练<drill>-<seq>`` in its text (WeChat, SMS, app,
grid) or ``drill-<drill>-<seq>`` in the box's alarm id (set-top box), and a phone
number made of both, so the reconciliation finds each one in the database whatever
the platform did with it (a case of its own, merged into another, or twice).
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from channels.stb.signing import device_key
from channels.wechat.settings import PATH
from liandong.settings import Settings
from simulators.stb import FakeSetTopBox
from simulators.wechat import WeChatPusher, message_xml

# Beijing 110 at its peak: about 3.5 calls a second (the yardstick).
CITY_PEAK_PER_S = 3.5
# Without telephony: the share of each channel in a surge (calls excluded).
MIX = {"wechat": 0.3, "sms": 0.2, "app": 0.2, "grid": 0.2, "stb": 0.1}
# WeChat redelivers a push it got no answer to within 5 s, three times in all
# (same MsgId); a share of the drill's pushes arrive three times the same way.
WECHAT_TRIPLE_SHARE = 0.2
TEXTS = (
    "{town}有人打架，请快来",
    "{town}路边有人晕倒了，需要救护车",
    "{town}一栋民房冒烟起火",
    "{town}路灯坏了好几天了",
    "{town}超市卖过期食品",
    "{town}两车相撞，堵住了路",
    "{town}邻居装修噪音扰民",
)
TOWNS = ("新仁苗族乡", "金碧镇", "钟山镇", "莲城街道", "雨朵镇", "协和镇", "大关镇")
# The demo seed's set-top boxes: odd multiplier, a bijection on 32 bits
# (core.orgmap.demo_places).
_STB_MUL, _STB_ADD = 2_654_435_761, 0x9E3779B9


def stb_device(k: int) -> str:
    return f"STB-{(_STB_MUL * k + _STB_ADD) % 2**32:08X}"


@dataclass
class Sent:
    seq: int
    channel: str
    sent_at: float
    ok: bool
    status: int
    deliveries: int = 1
    error: str = ""


@dataclass
class Traffic:
    """The senders of one drill; ``drill`` is its three-digit code."""

    settings: Settings
    drill: int
    client: httpx.AsyncClient
    tokens: dict[str, str] = field(default_factory=dict)
    rng: random.Random = field(default_factory=random.Random)

    def marker(self, seq: int) -> str:
        return f"演练{self.drill:03d}-{seq}"

    def phone(self, seq: int) -> str:
        return f"139{self.drill:03d}{seq:05d}"

    def text(self, seq: int) -> str:
        town = TOWNS[seq % len(TOWNS)]
        return f"{TEXTS[seq % len(TEXTS)].format(town=town)}（{self.marker(seq)}）"

    async def login(self) -> None:
        d = self.settings.drill
        for role, user, password in (
            ("app", d.gateway_user, d.gateway_password),
            ("grid", d.grid_user, d.grid_password),
        ):
            r = await self.client.post(
                "/api/v1/auth/token",
                data={"username": user, "password": password.get_secret_value()},
            )
            r.raise_for_status()
            self.tokens[role] = r.json()["access_token"]

    async def send(self, channel: str, seq: int) -> Sent:
        sent_at = time.time()
        try:
            status, deliveries = await getattr(self, f"_{channel}")(seq)
        except httpx.HTTPError as exc:
            return Sent(seq, channel, sent_at, False, 0, error=type(exc).__name__)
        return Sent(seq, channel, sent_at, 200 <= status < 300, status, deliveries)

    async def _wechat(self, seq: int) -> tuple[int, int]:
        w = self.settings.channels.wechat
        aes = w.encoding_aes_key.get_secret_value() if w.encoding_aes_key else None
        pusher = WeChatPusher(w.token.get_secret_value(), w.app_id, aes, PATH)
        xml = message_xml("text", f"o-drill-{self.drill}-{seq}", msg_id=self.drill * 10**7 + seq,
                          Content=self.text(seq))  # fmt: skip
        times = 3 if self.rng.random() < WECHAT_TRIPLE_SHARE else 1
        status = 0
        for _ in range(times):  # each delivery signed afresh, as WeChat does
            r = await pusher.send(self.client, xml)
            status = status if 200 <= status < 300 else r.status_code
        return status, times

    async def _sms(self, seq: int) -> tuple[int, int]:
        s = self.settings.channels.sms
        now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
        item = {"phone_number": self.phone(seq), "send_time": now, "content": self.text(seq),
                "sign_name": "黔西联动", "dest_code": "110",
                "sequence_id": f"d{self.drill}{seq}"}  # fmt: skip
        body = [item]
        r = await self.client.post(
            "/channels/sms/aliyun/up",
            params={"token": s.callback_secret.get_secret_value()},
            content=json.dumps(body, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json"},
        )
        return r.status_code, 1

    def gps(self, seq: int) -> dict[str, Any]:
        # Spread over the city so that distinct reports are not one event (并单).
        return {"lat": 26.95 + self.rng.random() * 0.2, "lon": 105.95 + self.rng.random() * 0.2}

    async def _app(self, seq: int) -> tuple[int, int]:
        r = await self.client.post(
            "/api/v1/channels/app/reports",
            json={
                "report_id": f"drill-{self.drill}-{seq}",
                "phone": self.phone(seq),
                "text": self.text(seq),
                "location": self.gps(seq),
            },
            headers={"Authorization": f"Bearer {self.tokens['app']}"},
        )
        return r.status_code, 1

    async def _grid(self, seq: int) -> tuple[int, int]:
        r = await self.client.post(
            "/api/v1/channels/grid/reports",
            json={
                "report_id": f"drill-{self.drill}-{seq}",
                "text": self.text(seq),
                "location": self.gps(seq),
            },
            headers={"Authorization": f"Bearer {self.tokens['grid']}"},
        )
        return r.status_code, 1

    async def _stb(self, seq: int) -> tuple[int, int]:
        device = stb_device(seq % self.settings.drill.stb_devices)
        master = self.settings.channels.stb.master_secret.get_secret_value()
        box = FakeSetTopBox(device, device_key(master, device, 1))
        r = await box.alarm(self.client, f"drill-{self.drill}-{seq}")
        return r.status_code, 1
