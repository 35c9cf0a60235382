"""Binding a WeChat/Weibo identity to a phone needs proof of the phone.

Whoever holds a binding reads that phone's cases by "查询", so the app (or a call
taker) cannot simply assert one: a six-digit code goes to the phone by SMS, and
only the same identity that asked may redeem it, within ``CODE_TTL_S`` and
``MAX_TRIES`` guesses. The code is kept in Redis only as an HMAC, never in clear.
An identity already bound to another phone is not silently re-bound: the caller
must say ``replace`` (and still prove the new phone).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from redis.asyncio import Redis
from redis.exceptions import RedisError

from channels.casestatus import CitizenCases
from channels.errors import IdentityAlreadyBound, IdentityCodeWrong
from channels.outbound import OutboundService
from core.errors import TooManyAttempts, Unavailable

CODE_TTL_S = 600
MAX_TRIES = 5
SMS_TEXT = "【黔西110联动】您的绑定验证码为{code}，10分钟内有效。如非本人操作请忽略。"


class IdentityBinder:
    def __init__(
        self,
        redis: Redis,
        prefix: str,
        secret: bytes,
        citizens: CitizenCases,
        outbound: OutboundService,
    ) -> None:
        self.redis = redis
        self.prefix = f"{prefix}:bindcode"
        self.secret = secret
        self.citizens = citizens
        self.outbound = outbound

    def _key(self, channel: str, external_id: str, phone: str) -> str:
        who = hashlib.sha256(f"{channel}\0{external_id}\0{phone}".encode()).hexdigest()[:32]
        return f"{self.prefix}:{who}"

    def _mac(self, code: str) -> str:
        return hmac.new(self.secret, code.encode(), hashlib.sha256).hexdigest()

    async def send_code(self, channel: str, external_id: str, phone: str) -> None:
        code = f"{secrets.randbelow(1_000_000):06d}"
        key = self._key(channel, external_id, phone)
        try:
            await self.redis.hset(key, mapping={"mac": self._mac(code), "tries": 0})
            await self.redis.expire(key, CODE_TTL_S)
        except (RedisError, OSError) as exc:
            raise Unavailable("验证码服务暂不可用", error_id="identity-code-unavailable") from exc
        await self.outbound.enqueue("sms", "bind_code", phone, {"text": SMS_TEXT.format(code=code)})

    async def bind(
        self, channel: str, external_id: str, phone: str, code: str, *, replace: bool
    ) -> None:
        key = self._key(channel, external_id, phone)
        try:
            tries = await self.redis.hincrby(key, "tries", 1)
            mac = await self.redis.hget(key, "mac")
        except (RedisError, OSError) as exc:
            raise Unavailable("验证码服务暂不可用", error_id="identity-code-unavailable") from exc
        if mac is None:
            await self.redis.delete(key)  # hincrby made an empty hash
            raise IdentityCodeWrong("验证码错误或已过期")
        if tries > MAX_TRIES:
            await self.redis.delete(key)
            raise TooManyAttempts("验证码错误次数过多，请重新获取", details={"retry_after_s": 0})
        stored = mac.decode() if isinstance(mac, bytes) else str(mac)
        if not hmac.compare_digest(stored, self._mac(code)):
            raise IdentityCodeWrong("验证码错误或已过期")
        current = await self.citizens.bound_phone(channel, external_id)
        if current is not None and current != phone and not replace:
            raise IdentityAlreadyBound(
                "该账号已绑定其他手机号", details={"channel": channel, "replace": False}
            )
        await self.redis.delete(key)  # one code, one binding
        await self.citizens.bind(channel, external_id, phone, verified=True)
