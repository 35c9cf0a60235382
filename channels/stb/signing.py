"""Set-top-box request signing (pure). A box signs each request with its own key:

    signature = hex(HMAC-SHA256(device_key, device_id "\\n" timestamp "\\n" nonce "\\n" body))

sent as headers ``X-Device-Id``, ``X-Timestamp`` (Unix seconds), ``X-Nonce`` (8–64
characters, never reused) and ``X-Signature``. The platform refuses timestamps
outside its window and nonces it has seen within the window (kept in Redis), so a
captured request cannot be replayed; the body's ``alarm_id`` makes the device's own
retries (new nonce, same alarm) land on the same case.
"""

from __future__ import annotations

import hashlib
import hmac
import re

NONCE_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
DEVICE_RE = re.compile(r"^[A-Za-z0-9_.:-]{4,64}$")


def device_key(master_secret: str, device_id: str, key_version: int) -> str:
    """The key provisioned into one box (hex). Rotate by bumping ``key_version``."""
    msg = f"{device_id}:{key_version}".encode()
    return hmac.new(master_secret.encode(), msg, hashlib.sha256).hexdigest()


def signature(key: str, device_id: str, timestamp: str, nonce: str, body: bytes) -> str:
    head = f"{device_id}\n{timestamp}\n{nonce}\n".encode()
    return hmac.new(key.encode(), head + body, hashlib.sha256).hexdigest()


def signature_ok(
    key: str, device_id: str, timestamp: str, nonce: str, body: bytes, given: str
) -> bool:
    expected = signature(key, device_id, timestamp, nonce, body)
    return hmac.compare_digest(expected.encode(), given.strip().lower().encode())
