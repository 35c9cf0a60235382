"""WeCom (企业微信 / 政务微信-style work messaging) settings for staff notices."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr

DEMO_CORP_ID = "wwqx110demo000001"
DEMO_CORP_SECRET = "demo-wecom-corp-secret-qianxi-110"  # noqa: S105 - refused in production


class WeComSettings(BaseModel):
    enabled: bool = True
    corp_id: str = Field(DEMO_CORP_ID, min_length=3, max_length=64)
    corp_secret: SecretStr = SecretStr(DEMO_CORP_SECRET)
    agent_id: int = 1000002  # the self-built app (自建应用) that sends the notices
    # qyapi.weixin.qq.com in production; a local fake in development and tests.
    api_base: str = "https://qyapi.weixin.qq.com"
    api_timeout_s: float = Field(5.0, gt=0)
