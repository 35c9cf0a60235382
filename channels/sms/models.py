"""SMS vocabulary: inbound messages and delivery receipts, provider-neutral (pure)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from channels.models import OutboundStatus

_CN_MOBILE = re.compile(r"^(?:\+?86|0086)?(1\d{10})$")

# China's SMS segmenting: 70 characters fit one message; longer ones travel as
# concatenated segments of 67 (the rest carries the UDH). Providers bill per segment.
SINGLE, SEGMENT = 70, 67


def normalize_phone(raw: str, nationcode: str = "86") -> str:
    """Domestic numbers as 11 digits (how contacts store them), others as +CC…"""
    digits = raw.strip().replace(" ", "").replace("-", "")
    if nationcode in ("86", "") and (m := _CN_MOBILE.match(digits)):
        return m.group(1)
    digits = digits.lstrip("+")
    return digits if digits.startswith(nationcode) else f"+{nationcode}{digits}"


def segments(text: str) -> int:
    return 1 if len(text) <= SINGLE else -(-len(text) // SEGMENT)


def split_long(text: str, max_chars: int) -> list[str]:
    """Split a notice longer than one template variable allows into numbered parts."""
    if len(text) <= max_chars:
        return [text]
    body = max_chars - 6  # room for "(1/9)"
    chunks = [text[i : i + body] for i in range(0, len(text), body)]
    return [f"({i}/{len(chunks)}){c}" for i, c in enumerate(chunks, 1)]


@dataclass(frozen=True, slots=True)
class SmsInbound:
    provider: str
    phone: str  # normalized
    text: str
    sent_at: str
    vendor_id: str  # a stable id for de-duplication

    @staticmethod
    def derived_id(phone: str, sent_at: str, text: str) -> str:
        """For providers without a message id (Tencent): phone, time and text."""
        digest = hashlib.sha256(f"{phone}|{sent_at}|{text}".encode()).hexdigest()[:16]
        return f"{phone}:{sent_at}:{digest}"


@dataclass(frozen=True, slots=True)
class SmsReceipt:
    provider: str
    vendor_id: str
    status: OutboundStatus  # delivered | failed
    code: str
