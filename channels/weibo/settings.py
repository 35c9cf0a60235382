"""Weibo settings: the center's official account (蓝V) through the open API."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr

DEMO_APP_SECRET = "demo-weibo-app-secret-qianxi"  # noqa: S105 - refused in production
DEMO_ACCESS_TOKEN = "demo-weibo-access-token"  # noqa: S105 - not a real token


class WeiboSettings(BaseModel):
    enabled: bool = True
    app_key: str = "3000110110"
    # The fan-service platform (粉丝服务平台) signs pushes with the app secret.
    app_secret: SecretStr = SecretStr(DEMO_APP_SECRET)
    # OAuth2 access token of the official account (the fan-service token lives a year).
    access_token: SecretStr = SecretStr(DEMO_ACCESS_TOKEN)
    api_base: str = "https://api.weibo.com"
    message_api_base: str = "https://m.api.weibo.com"
    timeout_s: float = Field(5.0, gt=0)
    poll_every_s: float = Field(30.0, gt=0)
    page_size: int = Field(50, ge=1, le=200)
    # Weibo's push timestamps are milliseconds.
    timestamp_window_s: int = Field(300, ge=10)

    @property
    def polls(self) -> bool:
        """Mentions and comments are polled only with a real account token: the demo
        token would only fail against api.weibo.com every round (pushes still work)."""
        return self.access_token.get_secret_value() != DEMO_ACCESS_TOKEN
