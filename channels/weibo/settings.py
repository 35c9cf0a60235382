"""Weibo settings: the center's official account (蓝V) through the open API."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr

DEMO_APP_SECRET = "demo-weibo-app-secret-qianxi"  # noqa: S105 - refused in production


class WeiboSettings(BaseModel):
    enabled: bool = True
    app_key: str = "3000110110"
    # The fan-service platform (粉丝服务平台) signs pushes with the app secret.
    app_secret: SecretStr = SecretStr(DEMO_APP_SECRET)
    # OAuth2 access token of the official account (the fan-service token lives a year).
    access_token: SecretStr = SecretStr("demo-weibo-access-token")
    api_base: str = "https://api.weibo.com"
    message_api_base: str = "https://m.api.weibo.com"
    timeout_s: float = Field(5.0, gt=0)
    poll_every_s: float = Field(30.0, gt=0)
    page_size: int = Field(50, ge=1, le=200)
    # Weibo's push timestamps are milliseconds.
    timestamp_window_s: int = Field(300, ge=10)
