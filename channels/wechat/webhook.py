"""The push endpoint's protocol work: verify, decrypt, parse, reply (and encrypt).

Order matters: the timestamp window and the signature are checked before the
body is parsed, so an unsigned request never reaches the XML parser. WeChat's
rules: the GET verification returns ``echostr`` unchanged; a POST answered with
``success`` (or an empty body) gets no reply shown and is not retried; a POST not
answered within 5 s is retried up to three times.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from channels.errors import ChannelSignatureInvalid, PlaintextRefused
from channels.wechat.ahead import WeChatWriteAhead
from channels.wechat.crypto import MessageCrypto, check_timestamp, verify_signature
from channels.wechat.errors import WeChatXmlInvalid
from channels.wechat.models import WeChatMessage
from channels.wechat.parser import parse_message, parse_xml
from channels.wechat.replies import text_reply
from channels.wechat.service import WeChatService
from channels.wechat.settings import WeChatSettings
from core.clock import Clock

log = logging.getLogger(__name__)

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
        ahead: WeChatWriteAhead | None = None,
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
        self.ahead = ahead
        self._late: set[asyncio.Task[str | None]] = set()  # held: never garbage-collected

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

    async def _handle_in_time(self, msg: WeChatMessage, xml: str | bytes) -> str | None:
        """The passive reply's text, or None; with a write-ahead configured, None as
        soon as ``reply_within_s`` passed and the push is safe in Redis."""
        if self.ahead is None:
            return await self.service.handle(msg)
        task = asyncio.ensure_future(self.service.handle(msg))
        done, _ = await asyncio.wait({task}, timeout=self.settings.reply_within_s)
        if task in done:
            return task.result()
        raw = xml.decode() if isinstance(xml, bytes) else xml
        if not await self.ahead.write(raw, msg.dedupe_key):
            return await task  # Redis cannot take it either: wait for the database
        # The commit may still land here; the replay finds it (same MsgId) either way.
        self._late.add(task)
        task.add_done_callback(_settle_late(self._late))
        return None

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
        text = await self._handle_in_time(msg, xml)
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


def _settle_late(held: set[asyncio.Task[str | None]]) -> Callable[[asyncio.Task[str | None]], None]:
    def done(task: asyncio.Task[str | None]) -> None:
        held.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # Expected when the database is down: the write-ahead replays it.
            log.info("late wechat push failed here; replayed from Redis")

    return done
