"""Synthetic camera views: a JPEG per camera with its name and the time, and an
MJPEG stream of them. The demo data's camera URLs point here (``/demo/cameras``);
the browser tests serve the same pictures from a separate local server. A real
site points the cameras' URLs at its GB/T 28181 video gateway instead."""

from __future__ import annotations

import asyncio
import hashlib
import io
import time
from collections.abc import AsyncIterator
from datetime import datetime

from PIL import Image, ImageDraw

BOUNDARY = "liandongframe"


def camera_jpeg(code: str, label: str | None = None, when: datetime | None = None) -> bytes:
    """A 320×180 JPEG: a colour from the camera code, a moving bar, code and time."""
    digest = hashlib.sha256(code.encode()).digest()
    colour = (40 + digest[0] % 120, 60 + digest[1] % 120, 80 + digest[2] % 120)
    img = Image.new("RGB", (320, 180), colour)
    draw = ImageDraw.Draw(img)
    t = when or datetime.now()
    x = int(time.time() * 40) % 320
    draw.rectangle((x, 120, x + 40, 150), fill=(230, 230, 230))
    draw.rectangle((0, 0, 320, 22), fill=(0, 0, 0))
    draw.text((6, 5), f"{code}  {t:%Y-%m-%d %H:%M:%S}", fill=(255, 255, 255))
    if label:
        draw.text((6, 160), label.encode("ascii", "replace").decode(), fill=(255, 255, 0))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=70)
    return out.getvalue()


async def mjpeg(code: str, fps: float = 2.0, frames: int = 600) -> AsyncIterator[bytes]:
    """multipart/x-mixed-replace frames; bounded so a forgotten tab ends by itself."""
    for _ in range(frames):
        jpeg = camera_jpeg(code)
        yield (
            (
                f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n"
            ).encode()
            + jpeg
            + b"\r\n"
        )
        await asyncio.sleep(1 / fps)
