"""An RTP receiver for one externalMedia stream (RFC 3550, payload slin16).

Asterisk's externalMedia channel sends the snooped audio as RTP over UDP in 20 ms
packets. Protocol facts relied on:
- the fixed header is 12 bytes, followed by CC×4 bytes of CSRC ids and, when the X
  bit is set, an extension (4 bytes + length×4); padding (P bit) is counted by the
  payload's last byte;
- Asterisk sends signed linear audio in *network byte order* (big-endian, as RFC 3551
  L16 requires), so it is swapped to the little-endian PCM Vosk reads.
One socket per stream keeps demultiplexing trivial (the port identifies the call).
"""

from __future__ import annotations

import asyncio
import sys
from array import array
from typing import cast


def rtp_payload(packet: bytes) -> bytes | None:
    """The payload of an RTP packet, or None if it is not one."""
    if len(packet) < 12 or packet[0] >> 6 != 2:
        return None
    offset = 12 + (packet[0] & 0x0F) * 4
    if packet[0] & 0x10:  # header extension
        if len(packet) < offset + 4:
            return None
        offset += 4 + int.from_bytes(packet[offset + 2 : offset + 4], "big") * 4
    end = len(packet)
    if packet[0] & 0x20 and end > offset:  # padding
        end -= packet[-1]
    return packet[offset:end] if end > offset else None


def be16_to_le16(payload: bytes) -> bytes:
    if len(payload) % 2:
        payload = payload[:-1]
    if sys.byteorder == "big":
        return payload
    samples = array("h", payload)
    samples.byteswap()
    return samples.tobytes()


class RtpReceiver(asyncio.DatagramProtocol):
    """Pushes each packet's PCM (little-endian) to ``queue``; counts what it saw."""

    def __init__(self, queue: asyncio.Queue[bytes]) -> None:
        self.queue = queue
        self.packets = 0
        self.bad = 0
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        payload = rtp_payload(data)
        if payload is None:
            self.bad += 1
            return
        self.packets += 1
        self.queue.put_nowait(be16_to_le16(payload))

    @property
    def port(self) -> int:
        if self.transport is None:
            raise RuntimeError("receiver not bound")
        return int(self.transport.get_extra_info("sockname")[1])

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def open_receiver(host: str) -> RtpReceiver:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    _t, proto = await loop.create_datagram_endpoint(
        lambda: RtpReceiver(queue), local_addr=(host, 0)
    )
    return proto
