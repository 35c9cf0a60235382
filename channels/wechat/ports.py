"""What the WeChat core needs from outside, and what it offers the outbound worker."""

from __future__ import annotations

from typing import Any, Protocol


class WeChatApi(Protocol):
    """Implemented by ``channels.wechat.client.WeChatAdapter`` (wechatpy)."""

    async def send_text(self, openid: str, content: str) -> dict[str, Any]: ...

    async def send_template(
        self, openid: str, template_id: str, data: dict[str, Any], url: str | None = None
    ) -> dict[str, Any]: ...

    async def download_media(self, media_id: str) -> tuple[bytes, str]: ...
