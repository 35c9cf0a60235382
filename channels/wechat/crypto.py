"""WeChat message signatures and safe-mode (AES) envelopes.

Protocol facts (公众号消息加解密, 安全模式):
- ``signature`` = SHA1 of the sorted concatenation of token, timestamp, nonce; it is
  on every request, including the GET URL verification.
- In safe mode the body is ``<xml><ToUserName/><Encrypt/></xml>`` and the query adds
  ``encrypt_type=aes`` and ``msg_signature`` = SHA1(sort(token, timestamp, nonce, Encrypt)).
- ``Encrypt`` is base64(AES-256-CBC(key, iv=key[:16], PKCS#7 padded to 32-byte blocks
  of: 16 random bytes ‖ 4-byte big-endian XML length ‖ XML ‖ AppID)); the key is
  base64-decode(EncodingAESKey + "=").

wechatpy compares signatures with ``!=`` and trusts the padding byte and length
field of a decrypted message, so a forged or truncated ciphertext can raise
IndexError/struct.error or slice garbage. We verify in constant time and check
every field before believing it. Encryption of our replies reuses wechatpy's
``WeChatCrypto`` (the same code WeChat's own SDKs mirror).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from wechatpy.crypto import WeChatCrypto

from channels.errors import ChannelSignatureInvalid, SignatureExpired
from channels.wechat.errors import WeChatDecryptFailed

BLOCK = 32  # WeChat pads to 32 bytes, not AES's 16
MAX_ENCRYPT_CHARS = 48 * 1024


def sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()  # noqa: S324 - WeChat's algorithm


def verify_signature(expected_parts: tuple[str, ...], given: str | None) -> None:
    if not given:
        raise ChannelSignatureInvalid("签名缺失", error_id="signature-missing")
    if not hmac.compare_digest(sign(*expected_parts).encode(), given.strip().lower().encode()):
        raise ChannelSignatureInvalid("签名错误")


def check_timestamp(timestamp: str | None, now: float, window_s: int) -> int:
    if not timestamp or not timestamp.isdigit() or len(timestamp) > 12:
        raise ChannelSignatureInvalid("时间戳无效", error_id="timestamp-invalid")
    ts = int(timestamp)
    if abs(now - ts) > window_s:
        raise SignatureExpired(
            "请求时间超出允许范围", details={"window_s": window_s, "skew_s": int(now - ts)}
        )
    return ts


def aes_key(encoding_aes_key: str) -> bytes:
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except binascii.Error as exc:
        raise ValueError("EncodingAESKey is not base64") from exc
    if len(key) != 32:
        raise ValueError("EncodingAESKey must be 43 characters decoding to 32 bytes")
    return key


class MessageCrypto:
    """Safe-mode decrypt (strict) and encrypt (wechatpy) for one official account."""

    def __init__(self, token: str, encoding_aes_key: str, app_id: str) -> None:
        self.token = token
        self.key = aes_key(encoding_aes_key)
        self.app_id = app_id
        self._wechatpy = WeChatCrypto(token, encoding_aes_key, app_id)

    def decrypt(self, encrypt: str) -> str:
        if len(encrypt) > MAX_ENCRYPT_CHARS:
            raise WeChatDecryptFailed("密文过长")
        try:
            raw = base64.b64decode(encrypt, validate=True)
        except (binascii.Error, ValueError):
            raise WeChatDecryptFailed("密文不是 base64") from None
        if not raw or len(raw) % 16:
            raise WeChatDecryptFailed("密文长度不是分组的整数倍")
        decryptor = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16])).decryptor()
        plain = decryptor.update(raw) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= BLOCK or pad > len(plain) or plain[-pad:] != bytes([pad]) * pad:
            raise WeChatDecryptFailed("填充错误")
        content = plain[16:-pad]
        if len(content) < 4:
            raise WeChatDecryptFailed("长度字段缺失")
        (length,) = struct.unpack(">I", content[:4])
        if length > len(content) - 4:
            raise WeChatDecryptFailed("长度字段超出内容")
        xml, from_id = content[4 : 4 + length], content[4 + length :]
        if not hmac.compare_digest(from_id, self.app_id.encode()):
            raise WeChatDecryptFailed("AppID 不匹配")
        try:
            return xml.decode("utf-8")
        except UnicodeDecodeError:
            raise WeChatDecryptFailed("消息不是合法的 UTF-8") from None

    def encrypt_reply(self, xml: str, nonce: str, timestamp: str) -> str:
        """The encrypted passive-reply envelope, signed with our token."""
        out: str = self._wechatpy.encrypt_message(xml, nonce, timestamp)
        return out
