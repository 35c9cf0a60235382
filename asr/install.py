"""``liandong asr install``: download a published Vosk model, check its sha256, unpack.

The zip is streamed to ``<name>.zip.part`` while being hashed; only a verified file is
unpacked, into a temporary directory that is renamed into place at the end, so an
interrupted or tampered download never leaves a half model that discovery would pick.
Members escaping the target directory (``../``) are refused.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import httpx

from asr.catalog import is_model_dir
from asr.errors import ModelChecksumMismatch, ModelDownloadFailed, ModelInvalid


@dataclass(frozen=True, slots=True)
class RemoteModel:
    name: str
    url: str
    sha256: str


# The small Mandarin model (42 MB zip, 16 kHz). The sha256 is the published one.
KNOWN: dict[str, RemoteModel] = {
    "zh": RemoteModel(
        "vosk-model-small-cn-0.22",
        "https://alphacephei.com/vosk/models/vosk-model-small-cn-0.22.zip",
        "3af8b0e7e0f835ae9d414ce5df580237a3cfb08d586c9fbbb0f7ff29ad5b14ba",
    ),
}

Progress = Callable[[int, int | None], None]  # (bytes so far, total or None)


def download(url: str, target: Path, sha256: str, progress: Progress | None = None) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    done = 0
    try:
        with httpx.stream("GET", url, follow_redirects=True, timeout=60.0) as r:
            if r.status_code != 200:
                raise ModelDownloadFailed(
                    f"download failed with HTTP {r.status_code}", details={"url": url}
                )
            total = int(r.headers["content-length"]) if "content-length" in r.headers else None
            with part.open("wb") as f:
                for chunk in r.iter_bytes(1 << 16):
                    f.write(chunk)
                    digest.update(chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress(done, total)
    except httpx.HTTPError as exc:
        part.unlink(missing_ok=True)
        raise ModelDownloadFailed(
            f"download failed: {type(exc).__name__}", details={"url": url}
        ) from exc
    if digest.hexdigest() != sha256.lower():
        part.unlink(missing_ok=True)
        raise ModelChecksumMismatch(
            "the downloaded model does not match its published sha256",
            details={"url": url, "expected": sha256, "got": digest.hexdigest()},
        )
    part.replace(target)
    return target


def unpack(archive: Path, dest_dir: Path, name: str) -> Path:
    """Unpack ``archive`` (one top-level directory, as Vosk publishes) to ``dest_dir/name``."""
    final = dest_dir / name
    dest_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(
        dir=dest_dir, prefix=".unpack-", ignore_cleanup_errors=True
    ) as tmp:
        root = Path(tmp)
        try:
            with zipfile.ZipFile(archive) as z:
                for member in z.namelist():
                    p = PurePosixPath(member)
                    if p.is_absolute() or ".." in p.parts:
                        raise ModelInvalid(
                            "unsafe path in model archive", details={"member": member}
                        )
                z.extractall(root)
        except zipfile.BadZipFile as exc:
            raise ModelInvalid("the model archive is not a zip file") from exc
        tops = [p for p in root.iterdir()]
        model = tops[0] if len(tops) == 1 and tops[0].is_dir() else root
        if not is_model_dir(model):
            raise ModelInvalid("the archive holds no Vosk model", details={"archive": str(archive)})
        if final.exists():
            shutil.rmtree(final)
        model.rename(final)
    return final


def install(
    remote: RemoteModel, dest_dir: Path, progress: Progress | None = None, *, keep_zip: bool = False
) -> Path:
    archive = download(remote.url, dest_dir / f"{remote.name}.zip", remote.sha256, progress)
    try:
        return unpack(archive, dest_dir, remote.name)
    finally:
        if not keep_zip:
            archive.unlink(missing_ok=True)
