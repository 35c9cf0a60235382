"""WeChat inbound messages as typed values (pure: no XML, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    text = "text"
    voice = "voice"
    image = "image"
    location = "location"
    event = "event"
    unsupported = "unsupported"  # video, link, file … answered with ``success``


class MenuKey(StrEnum):
    """EventKey values of our custom menu (自定义菜单, CLICK buttons)."""

    report = "REPORT"  # 我要报警
    progress = "PROGRESS"  # 进度查询
    evaluate = "EVALUATE"  # 评价


@dataclass(frozen=True, slots=True)
class WeChatMessage:
    kind: Kind
    to_user: str  # the official account's original id (gh_…)
    from_user: str  # the citizen's OpenID
    create_time: int
    msg_type: str  # WeChat's MsgType as sent
    msg_id: int | None = None  # absent on events
    content: str = ""
    media_id: str | None = None
    pic_url: str | None = None
    recognition: str | None = None  # WeChat's own speech recognition, when enabled
    voice_format: str | None = None
    lat: float | None = None
    lon: float | None = None
    scale: int | None = None
    label: str | None = None
    event: str | None = None  # lower-cased Event
    event_key: str | None = None

    @property
    def dedupe_key(self) -> str:
        """WeChat retries a push (up to three times in ~15 s) when we do not answer
        within 5 s. Messages carry MsgId; events do not, and WeChat's documented
        de-duplication for them is FromUserName + CreateTime."""
        if self.msg_id is not None:
            return f"m{self.msg_id}"
        return f"e{self.from_user}:{self.create_time}"
