"""Progress photos from units: checked by content (not by the name or the declared
type), stored by their SHA-256 under ``var/uploads/<case number>/``."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from core.errors import InvalidInput, NotFound, PayloadTooLarge

# Magic numbers of the formats a phone camera produces and browsers display.
_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, "jpg"),
    (b"\x89PNG\r\n\x1a\n", 0, "png"),
    (b"WEBP", 8, "webp"),
)
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
_NAME = re.compile(r"^[0-9a-f]{64}\.(jpg|png|webp)$")
_CASE = re.compile(r"^[A-Z0-9-]{1,32}$")


@dataclass(frozen=True, slots=True)
class StoredPhoto:
    name: str
    size: int
    content_type: str


def sniff(data: bytes) -> str | None:
    for magic, offset, ext in _SIGNATURES:
        if data[offset : offset + len(magic)] == magic and (ext != "webp" or data[:4] == b"RIFF"):
            return ext
    return None


class PhotoStore:
    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes

    def _dir(self, case_number: str) -> Path:
        if not _CASE.match(case_number):
            raise InvalidInput("bad case number", error_id="invalid-request")
        return self.root / case_number

    def save(self, case_number: str, data: bytes) -> StoredPhoto:
        if len(data) > self.max_bytes:
            raise PayloadTooLarge(
                f"a photo may have at most {self.max_bytes} bytes",
                error_id="photo-too-large",
                details={"max_bytes": self.max_bytes, "size": len(data)},
            )
        ext = sniff(data)
        if ext is None:
            raise InvalidInput(
                "only JPEG, PNG and WebP photos are accepted", error_id="photo-type-refused"
            )
        name = f"{hashlib.sha256(data).hexdigest()}.{ext}"
        folder = self._dir(case_number)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        if not path.exists():
            tmp = path.with_suffix(".part")
            tmp.write_bytes(data)
            tmp.replace(path)  # atomic: a reader never sees half a photo
        return StoredPhoto(name, len(data), CONTENT_TYPES[ext])

    def path(self, case_number: str, name: str) -> Path:
        if not _NAME.match(name):
            raise NotFound("no such photo", error_id="photo-not-found")
        path = self._dir(case_number) / name
        if not path.is_file():
            raise NotFound("no such photo", error_id="photo-not-found")
        return path
