"""WeChat official account (公众号) settings. Demo values work only outside production."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr

DEMO_APP_ID = "wxqx110demo0000001"
DEMO_APP_SECRET = "demo-wechat-app-secret-qianxi-110"  # noqa: S105 - refused in production
DEMO_TOKEN = "qianxi110demotoken"  # noqa: S105 - refused in production
# 43 characters: base64 of 32 key bytes without the trailing '=', as the MP console shows it.
DEMO_AES_KEY = "bGlhbmRvbmctcWlhbnhpLTExMC1kZW1vLWFlcy1rZXk"
PATH = "/channels/wechat"


class WeChatSettings(BaseModel):
    enabled: bool = True
    app_id: str = Field(DEMO_APP_ID, min_length=3, max_length=32)
    app_secret: SecretStr = SecretStr(DEMO_APP_SECRET)
    token: SecretStr = SecretStr(DEMO_TOKEN)
    # Safe mode (安全模式): messages are AES-encrypted with this key. Production
    # refuses to start without it; plaintext pushes are accepted only when
    # ``allow_plaintext`` is set, and that is refused outside development.
    encoding_aes_key: SecretStr | None = SecretStr(DEMO_AES_KEY)
    allow_plaintext: bool = False
    # WeChat puts the Unix time in every push; older or future-dated ones are
    # refused so a captured request cannot be replayed later.
    timestamp_window_s: int = Field(300, ge=10, le=3600)
    # WeChat XML pushes are small (a text is at most 2048 bytes of content).
    max_body_bytes: int = Field(64 * 1024, ge=1024)
    api_base: str = "https://api.weixin.qq.com"
    # WeChat waits 5 s: a push the database has not taken by then is written ahead to
    # Redis and answered "success"; its reply follows as a customer-service message.
    reply_within_s: float = Field(0.8, gt=0, le=4.5)
    api_timeout_s: float = Field(5.0, gt=0)
    progress_template_id: str = "qx-progress-template"
    evaluation_template_id: str = "qx-evaluation-template"
    # Rate of retries for outbound messages that failed for a transient reason.
    send_attempts: int = Field(3, ge=1, le=10)
