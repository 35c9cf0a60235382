"""SMS settings: inbound callbacks from Aliyun / Tencent Cloud, outbound notices."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, SecretStr

DEMO_CALLBACK_SECRET = "demo-sms-callback-secret-qianxi"  # noqa: S105 - refused in production


class AliyunSmsSettings(BaseModel):
    access_key_id: str = "LTAIdemoqianxi110"
    access_key_secret: SecretStr = SecretStr("demo-aliyun-secret")
    # The SDK's endpoint (dysmsapi.aliyuncs.com); a local fake in development/tests.
    endpoint: str = "dysmsapi.aliyuncs.com"
    protocol: Literal["HTTPS", "HTTP"] = "HTTPS"
    sign_name: str = "黔西市联动中心"
    template_code: str = "SMS_QX_NOTICE"  # one variable ${content}


class TencentSmsSettings(BaseModel):
    secret_id: str = "AKIDdemoqianxi110"  # noqa: S105 - demo id, not a secret
    secret_key: SecretStr = SecretStr("demo-tencent-secret")
    endpoint: str = "sms.tencentcloudapi.com"
    protocol: Literal["https://", "http://"] = "https://"
    region: str = "ap-guangzhou"
    sdk_app_id: str = "1400000000"
    sign_name: str = "黔西市联动中心"
    template_id: str = "1000001"  # one parameter {1}


class SmsSettings(BaseModel):
    enabled: bool = True
    # Which provider sends our notices; inbound callbacks are accepted from both.
    provider: Literal["aliyun", "tencent"] = "aliyun"
    # Neither provider signs its HTTP push (Aliyun HTTP 批量推送, Tencent 回调): the
    # callback URL configured in their consoles carries this secret as ?token=…,
    # compared in constant time, plus an optional source address allow-list.
    callback_secret: SecretStr = SecretStr(DEMO_CALLBACK_SECRET)
    allowed_sources: list[str] = Field(default_factory=list)
    aliyun: AliyunSmsSettings = AliyunSmsSettings()
    tencent: TencentSmsSettings = TencentSmsSettings()
    # A template variable is capped by both providers; longer notices are split
    # into numbered parts of this many characters.
    max_chars: int = Field(300, ge=20, le=1000)
    send_attempts: int = Field(3, ge=1, le=10)
