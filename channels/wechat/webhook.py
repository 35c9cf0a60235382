"""The push endpoint's protocol work: verify, decrypt, parse, reply (and encrypt).

Order matters: the timestamp window and the signature are checked before the
body is parsed, so an unsigned request never reaches the XML parser. WeChat's
rules: the GET verification returns ``echostr`` unchanged; a POST answered with
``success`` (or an empty body) gets no reply shown and is not retried; a POST not
answered within 5 s is retried up to three times.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from channels.errors import ChannelSignatureInvalid, PlaintextRefused
from channels.wechat.crypto import MessageCrypto, check_timestamp, verify_signature
from channels.wechat.errors import WeChatXmlInvalid
from channels.wechat.parser import parse_message, parse_xml
from channels.wechat.replies import text_reply
from channels.wechat.service import WeChatService
from channels.wechat.settings import WeChatSettings
from core.clock import Clock

SUCCESS = "success"


@dataclass(frozen=True, slots=True)
class PushQuery:
    signature: str | None
    timestamp: str | None
    nonce: str | None
    encrypt_type: str | None = None
    msg_signature: str | None = None


class WeChatWebhook:
    def __init__(
        self,
        settings: WeChatSettings,
        service: WeChatService,
        clock: Clock,
        *,
        plaintext_allowed: bool,
    ) -> None:
        self.settings = settings
        self.service = service
        self.clock = clock
        self.token = settings.token.get_secret_value()
        key = settings.encoding_aes_key
        self.crypto = (
            MessageCrypto(self.token, key.get_secret_value(), settings.app_id) if key else None
        )
        self.plaintext_allowed = plaintext_allowed

    def _verify(self, q: PushQuery) -> None:
        check_timestamp(q.timestamp, self.clock().timestamp(), self.settings.timestamp_window_s)
        if not q.nonce or len(q.nonce) > 64:
            raise ChannelSignatureInvalid("nonce 无效", error_id="nonce-invalid")
        verify_signature((self.token, q.timestamp or "", q.nonce), q.signature)

    def verify_url(self, q: PushQuery, echostr: str | None) -> str:
        """Server URL verification (服务器配置): echo ``echostr`` if signed by us."""
        self._verify(q)
        if not echostr or len(echostr) > 128:
            raise ChannelSignatureInvalid("echostr 无效", error_id="echostr-invalid")
        return echostr

    async def push(self, q: PushQuery, body: bytes) -> tuple[str, str]:
        """(content type, response body) for one push."""
        self._verify(q)
        encrypted = (q.encrypt_type or "raw").lower() == "aes"
        if encrypted:
            if self.crypto is None:
                raise PlaintextRefused(
                    "未配置 EncodingAESKey，无法解密", error_id="aes-not-configured"
                )
            outer = parse_xml(body)
            encrypt = outer.get("Encrypt")
            if not encrypt:
                raise WeChatXmlInvalid("安全模式消息缺少 Encrypt")
            verify_signature(
                (self.token, q.timestamp or "", q.nonce or "", encrypt), q.msg_signature
            )
            xml: str | bytes = self.crypto.decrypt(encrypt)
        else:
            if not self.plaintext_allowed:
                raise PlaintextRefused("生产环境必须使用安全模式（AES 加密）")
            xml = body
        msg = parse_message(xml)
        text = await self.service.handle(msg)
        if text is None:
            return "text/plain", SUCCESS
        now = int(self.clock().timestamp())
        reply = text_reply(msg.from_user, msg.to_user, text, now)
        if encrypted and self.crypto is not None:
            # Answer a safe-mode push in safe mode, with our own fresh nonce.
            return "application/xml", self.crypto.encrypt_reply(
                reply, secrets.token_hex(8), str(now)
            )
        return "application/xml", reply
