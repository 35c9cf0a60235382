"""Aliyun (阿里云短信服务, Dysmsapi 2017-05-25): outbound through the official SDK,
inbound through the HTTP batch push (HTTP 批量推送).

Push formats (UTF-8 JSON arrays; several items per request):
- SmsUpReport (上行): ``[{"phone_number", "send_time", "content", "sign_name",
  "dest_code", "sequence_id"}]``
- SmsReport (回执): ``[{"phone_number", "send_time", "report_time", "success",
  "err_code", "err_msg", "sms_size", "biz_id", "out_id"}]``
We must answer ``{"code": 0, "msg": "成功"}``; anything else makes Aliyun retry.
The push carries no signature of its own (see ``SmsSettings.callback_secret``).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from alibabacloud_dysmsapi20170525 import models as sms_models
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi import models as openapi_models
from Tea.exceptions import TeaException

from channels.models import OutboundStatus
from channels.outbound import Delivery
from channels.sms.errors import SmsCallbackInvalid, SmsSendError
from channels.sms.models import SmsInbound, SmsReceipt, normalize_phone, segments
from channels.sms.settings import AliyunSmsSettings

ACK: dict[str, Any] = {"code": 0, "msg": "成功"}
# Codes that no retry will fix (number, template, signature, blacklist, content).
PERMANENT = ("isv.MOBILE_NUMBER_ILLEGAL", "isv.TEMPLATE_", "isv.SMS_SIGNATURE", "isv.BLACK_KEY")


def _items(body: bytes) -> list[dict[str, Any]]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise SmsCallbackInvalid("阿里云推送不是合法 JSON") from None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not all(isinstance(i, dict) for i in data):
        raise SmsCallbackInvalid("阿里云推送应为 JSON 数组")
    return data


def parse_up(body: bytes) -> list[SmsInbound]:
    out = []
    for item in _items(body):
        phone, text = item.get("phone_number"), item.get("content")
        if not isinstance(phone, str) or not isinstance(text, str):
            raise SmsCallbackInvalid("SmsUpReport 缺少 phone_number 或 content")
        seq = str(item.get("sequence_id") or "")
        sent_at = str(item.get("send_time") or "")
        phone = normalize_phone(phone)
        vid = f"aliyun:{seq}" if seq else SmsInbound.derived_id(phone, sent_at, text)
        out.append(SmsInbound("aliyun", phone, text[:2000], sent_at, vid))
    return out


def parse_report(body: bytes) -> list[SmsReceipt]:
    out = []
    for item in _items(body):
        biz_id = item.get("biz_id")
        if not isinstance(biz_id, str) or not biz_id:
            raise SmsCallbackInvalid("SmsReport 缺少 biz_id")
        ok = item.get("success") is True
        status = OutboundStatus.delivered if ok else OutboundStatus.failed
        out.append(SmsReceipt("aliyun", biz_id, status, str(item.get("err_code") or "")))
    return out


class AliyunSmsAdapter:
    name = "aliyun"

    def __init__(self, settings: AliyunSmsSettings) -> None:
        self.settings = settings
        self.client = Client(
            openapi_models.Config(
                access_key_id=settings.access_key_id,
                access_key_secret=settings.access_key_secret.get_secret_value(),
                endpoint=settings.endpoint,
                protocol=settings.protocol,
                read_timeout=5000,
                connect_timeout=3000,
            )
        )

    async def send(self, phone: str, text: str, *, out_id: str | None = None) -> Delivery:
        req = sms_models.SendSmsRequest(
            phone_numbers=phone,
            sign_name=self.settings.sign_name,
            template_code=self.settings.template_code,
            template_param=json.dumps({"content": text}, ensure_ascii=False),
            out_id=out_id,
        )
        try:
            res = await asyncio.to_thread(self.client.send_sms, req)
        except TeaException as exc:
            raise SmsSendError(
                "阿里云短信接口错误",
                details={"code": str(exc.code), "message": str(exc)[:200], "permanent": False},
            ) from exc
        except Exception as exc:  # darabonba's transport errors are not one family
            raise SmsSendError(
                "阿里云短信接口不可达", details={"error": type(exc).__name__, "permanent": False}
            ) from exc
        body = res.body
        if body.code != "OK":
            permanent = str(body.code).startswith(PERMANENT)
            raise SmsSendError(
                f"阿里云短信发送失败 {body.code}",
                details={"code": body.code, "message": body.message, "permanent": permanent},
            )
        return Delivery(vendor_id=body.biz_id, parts=segments(text))
