"""Tencent Cloud SMS (腾讯云短信, API 2021-01-11): outbound through the official SDK,
inbound through the reply and status callbacks (回调).

Callback formats (UTF-8 JSON):
- reply (回复短信): one object ``{"extend", "mobile", "nationcode", "sign", "text", "time"}``
  — no message id, so we derive one from mobile + time + text.
- status (状态回执): an array ``[{"user_receive_time", "nationcode", "mobile",
  "report_status": "SUCCESS"|"FAIL", "errmsg", "description", "sid"}]``
We answer ``{"result": 0, "errmsg": "OK"}``. Neither callback is signed by Tencent.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models as sms_models
from tencentcloud.sms.v20210111.sms_client import SmsClient

from channels.models import OutboundStatus
from channels.outbound import Delivery
from channels.sms.errors import SmsCallbackInvalid, SmsSendError
from channels.sms.models import SmsInbound, SmsReceipt, normalize_phone
from channels.sms.settings import TencentSmsSettings

ACK: dict[str, Any] = {"result": 0, "errmsg": "OK"}
PERMANENT = (
    "FailedOperation.PhoneNumberInBlacklist",
    "InvalidParameterValue",
    "UnsupportedOperation",
)


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise SmsCallbackInvalid("腾讯云回调不是合法 JSON") from None


def parse_reply(body: bytes) -> list[SmsInbound]:
    data = _json(body)
    items = data if isinstance(data, list) else [data]
    out = []
    for item in items:
        if not isinstance(item, dict):
            raise SmsCallbackInvalid("回复短信回调应为 JSON 对象")
        mobile, text = item.get("mobile"), item.get("text")
        if not isinstance(mobile, str) or not isinstance(text, str):
            raise SmsCallbackInvalid("回复短信回调缺少 mobile 或 text")
        phone = normalize_phone(mobile, str(item.get("nationcode") or "86"))
        sent_at = str(item.get("time") or "")
        vid = SmsInbound.derived_id(phone, sent_at, text)
        out.append(SmsInbound("tencent", phone, text[:2000], sent_at, f"tencent:{vid}"))
    return out


def parse_status(body: bytes) -> list[SmsReceipt]:
    data = _json(body)
    if not isinstance(data, list) or not all(isinstance(i, dict) for i in data):
        raise SmsCallbackInvalid("状态回执回调应为 JSON 数组")
    out = []
    for item in data:
        sid = item.get("sid")
        if not isinstance(sid, str) or not sid:
            raise SmsCallbackInvalid("状态回执缺少 sid")
        ok = item.get("report_status") == "SUCCESS"
        status = OutboundStatus.delivered if ok else OutboundStatus.failed
        out.append(SmsReceipt("tencent", sid, status, str(item.get("errmsg") or "")))
    return out


class TencentSmsAdapter:
    name = "tencent"

    def __init__(self, settings: TencentSmsSettings) -> None:
        self.settings = settings
        scheme = settings.protocol.removesuffix("://")
        profile = ClientProfile(
            httpProfile=HttpProfile(endpoint=settings.endpoint, protocol=scheme, reqTimeout=5)
        )
        self.client = SmsClient(
            credential.Credential(settings.secret_id, settings.secret_key.get_secret_value()),
            settings.region,
            profile,
        )

    async def send(self, phone: str, text: str, *, out_id: str | None = None) -> Delivery:
        req = sms_models.SendSmsRequest()
        req.PhoneNumberSet = [phone if phone.startswith("+") else f"+86{phone}"]
        req.SmsSdkAppId = self.settings.sdk_app_id
        req.SignName = self.settings.sign_name
        req.TemplateId = self.settings.template_id
        req.TemplateParamSet = [text]
        req.SessionContext = out_id or ""
        try:
            res = await asyncio.to_thread(self.client.SendSms, req)
        except TencentCloudSDKException as exc:
            code = str(exc.get_code())
            raise SmsSendError(
                "腾讯云短信接口错误",
                details={"code": code, "permanent": code.startswith(PERMANENT)},
            ) from exc
        status = (res.SendStatusSet or [None])[0]
        if status is None or status.Code != "Ok":
            code = getattr(status, "Code", "NoStatus")
            raise SmsSendError(
                f"腾讯云短信发送失败 {code}",
                details={"code": code, "permanent": str(code).startswith(PERMANENT)},
            )
        return Delivery(vendor_id=status.SerialNo, parts=int(status.Fee or 1))
