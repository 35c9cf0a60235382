"""RTP parsing for the live tap (pure)."""

from __future__ import annotations

import struct

from asr.rtp import be16_to_le16, rtp_payload


def _rtp(payload: bytes, *, cc: int = 0, ext: bytes | None = None, pad: int = 0) -> bytes:
    first = 0x80 | cc | (0x10 if ext is not None else 0) | (0x20 if pad else 0)
    head = struct.pack("!BBHII", first, 118, 7, 160, 0xABCDEF) + b"\0\0\0\1" * cc
    if ext is not None:
        head += struct.pack("!HH", 0xBEDE, len(ext) // 4) + ext
    return head + payload + (b"\0" * (pad - 1) + bytes([pad]) if pad else b"")


def test_payload_after_header_csrcs_extension_and_padding() -> None:
    body = b"\x01\x02\x03\x04"
    assert rtp_payload(_rtp(body)) == body
    assert rtp_payload(_rtp(body, cc=2)) == body
    assert rtp_payload(_rtp(body, ext=b"\x10\x20\x30\x40")) == body
    assert rtp_payload(_rtp(body, pad=4)) == body


def test_non_rtp_datagrams_are_rejected() -> None:
    assert rtp_payload(b"") is None
    assert rtp_payload(b"\x00" * 20) is None  # version 0
    assert rtp_payload(_rtp(b"")) is None


def test_network_order_slin_becomes_little_endian() -> None:
    assert be16_to_le16(struct.pack(">hh", 1, -2)) == struct.pack("<hh", 1, -2)
    assert be16_to_le16(b"\x00\x01\x02") == b"\x01\x00"
