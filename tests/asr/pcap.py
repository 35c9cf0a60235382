"""A pcap of RTP/PCMU packets built from a WAV, for sipp's ``play_pcap_audio``.

sipp replays the UDP payloads (RTP) of a pcap at their capture times to the media
address Asterisk answered with. Layout written here (libpcap format, DLT_EN10MB):
global header, then per packet a record header + Ethernet + IPv4 + UDP + RTP (12
bytes, payload type 0) + 160 bytes of G.711 μ-law (20 ms at 8 kHz).
"""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

FRAME = 160  # bytes of μ-law per 20 ms


def _checksum(header: bytes) -> int:
    total: int = sum(struct.unpack(f"!{len(header) // 2}H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ulaw_of(wav: Path) -> bytes:
    out = subprocess.run(
        ["sox", str(wav), "-r", "8000", "-c", "1", "-t", "ul", "-"],
        check=True,
        capture_output=True,
    )
    return out.stdout


def write_pcap(ulaw: bytes, target: Path, *, ssrc: int = 0x1A2B3C4D) -> Path:
    ulaw += b"\xff" * (-len(ulaw) % FRAME)  # μ-law silence pads the last frame
    out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    src, dst = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
    for n in range(len(ulaw) // FRAME):
        rtp = struct.pack("!BBHII", 0x80, 0x80 if n == 0 else 0, n & 0xFFFF, n * FRAME, ssrc)
        payload = rtp + ulaw[n * FRAME : (n + 1) * FRAME]
        udp = struct.pack("!HHHH", 6000, 6002, 8 + len(payload), 0) + payload
        ip = struct.pack(
            "!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), n & 0xFFFF, 0, 64, 17, 0, src, dst
        )
        ip = ip[:10] + struct.pack("!H", _checksum(ip)) + ip[12:]
        frame = b"\x00\x00\x00\x00\x00\x02" + b"\x00\x00\x00\x00\x00\x01" + b"\x08\x00" + ip + udp
        t_us = n * 20_000
        out += struct.pack("<IIII", t_us // 1_000_000, t_us % 1_000_000, len(frame), len(frame))
        out += frame
    target.write_bytes(bytes(out))
    return target
