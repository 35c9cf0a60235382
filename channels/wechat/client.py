"""Outbound WeChat API calls through wechatpy's ``WeChatClient``.

wechatpy's client is synchronous (requests); :class:`WeChatAdapter` runs it in a
worker thread and translates its exceptions once, here. The API base is
configurable so the same code talks to a local fake in development and tests.

Error codes (全局返回码): 40001 invalid credential / 40014 invalid token / 42001
token expired → wechatpy deletes nothing but calls ``fetch_access_token`` and
retries once; we make that fetch shared and race-free.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from redis import Redis
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from channels.errors import VendorUnavailable
from channels.wechat.session import RedisTokenStorage
from channels.wechat.settings import WeChatSettings

log = logging.getLogger(__name__)

# WeChat's codes for "this token is no good": fetch a new one and retry.
TOKEN_ERRORS = frozenset({40001, 40014, 42001})
# Codes that will not succeed on retry (user unsubscribed, 48h window closed …).
PERMANENT_ERRORS = frozenset({40003, 43004, 45015, 45047, 40037, 47003})


class SharedTokenClient(WeChatClient):  # type: ignore[misc]  # untyped base
    """A ``WeChatClient`` whose token refresh is serialised across processes."""

    def __init__(self, settings: WeChatSettings, storage: RedisTokenStorage) -> None:
        super().__init__(
            settings.app_id,
            settings.app_secret.get_secret_value(),
            session=storage,
            timeout=settings.api_timeout_s,
        )
        self.API_BASE_URL = settings.api_base.rstrip("/") + "/cgi-bin/"
        self.storage = storage
        self._used: str | None = None  # the token our last request carried

    @property
    def access_token(self) -> str:
        token = self.storage.get(self.access_token_key)
        if not token:
            self.fetch_access_token()
            token = self.storage.get(self.access_token_key)
        self._used = token
        return str(token)

    def fetch_access_token(self) -> dict[str, Any]:
        with self.storage.lock(f"token:{self.appid}", timeout_s=10):
            current = self.storage.get(self.access_token_key)
            if current and current != self._used:
                # Another worker refreshed while we waited for the lock.
                self._used = current
                return {"access_token": current}
            result: dict[str, Any] = self._fetch_access_token(
                url=self.API_BASE_URL + "token",
                params={
                    "grant_type": "client_credential",
                    "appid": self.appid,
                    "secret": self.secret,
                },
            )
            self._used = result.get("access_token")
            return result


class WeChatSendError(VendorUnavailable):
    error_id = "wechat-send-failed"

    @property
    def permanent(self) -> bool:
        return self.details.get("errcode") in PERMANENT_ERRORS


class WeChatAdapter:
    """Customer-service (客服) and template (模板) messages, media download."""

    def __init__(self, settings: WeChatSettings, redis_url: str, prefix: str) -> None:
        self.settings = settings
        self._redis = Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=2)
        self.client = SharedTokenClient(settings, RedisTokenStorage(self._redis, prefix))

    def close(self) -> None:
        self.client._http.close()
        self._redis.close()

    async def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return await asyncio.to_thread(fn, *args, **kwargs)
        except WeChatClientException as exc:
            raise WeChatSendError(
                f"微信接口错误 {exc.errcode}",
                details={"errcode": exc.errcode, "errmsg": str(exc.errmsg)[:200]},
            ) from exc
        except OSError as exc:  # requests' ConnectionError/Timeout are OSErrors
            raise WeChatSendError("微信接口不可达", details={"error": type(exc).__name__}) from exc

    async def send_text(self, openid: str, content: str) -> dict[str, Any]:
        """Customer-service text: allowed within 48 h of the citizen's last message."""
        result: dict[str, Any] = await self._call(self.client.message.send_text, openid, content)
        return result

    async def send_template(
        self, openid: str, template_id: str, data: dict[str, Any], url: str | None = None
    ) -> dict[str, Any]:
        """Template message: any time, for service notices (progress, evaluation)."""
        result: dict[str, Any] = await self._call(
            self.client.message.send_template, openid, template_id, data, url
        )
        return result

    async def download_media(self, media_id: str) -> tuple[bytes, str]:
        """Temporary media (3 days on WeChat's side): the bytes and their type."""
        res = await self._call(self.client.media.download, media_id)
        if res.headers.get("Content-Type", "").startswith(("application/json", "text/plain")):
            body = res.json()
            raise WeChatSendError(
                f"微信接口错误 {body.get('errcode')}",
                details={"errcode": body.get("errcode"), "errmsg": str(body.get("errmsg"))},
            )
        return bytes(res.content), str(res.headers.get("Content-Type", "application/octet-stream"))
