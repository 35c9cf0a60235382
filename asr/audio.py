"""Audio in: any file we receive → mono 16-bit little-endian PCM at the model's rate.

ffmpeg does the decoding and resampling (its soxr-quality default resampler is what
keeps the pipeline's transcripts identical to a loop fed with clean audio). What
arrives here:
- Asterisk recordings: ``.wav`` (8 kHz slin, or μ-law/A-law inside WAV), and the
  headerless ``.sln``/``.sln16``/``.ul``/``.al`` files its ``format`` names write;
- WeChat voice messages: AMR-NB (``#!AMR`` header), decoded by ffmpeg's native decoder;
- MP3 and anything else ffmpeg reads, at any sample rate and channel count.

Headerless formats cannot be probed, so their extension tells ffmpeg what they are.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from asr.errors import AudioEmpty, AudioNotFound, AudioUnreadable, FfmpegMissing

# Extension → ffmpeg input options for raw telephony audio (Asterisk's format names).
RAW_FORMATS: dict[str, list[str]] = {
    ".sln": ["-f", "s16le", "-ar", "8000", "-ac", "1"],
    ".slin": ["-f", "s16le", "-ar", "8000", "-ac", "1"],
    ".raw": ["-f", "s16le", "-ar", "8000", "-ac", "1"],
    ".sln16": ["-f", "s16le", "-ar", "16000", "-ac", "1"],
    ".ul": ["-f", "mulaw", "-ar", "8000", "-ac", "1"],
    ".ulaw": ["-f", "mulaw", "-ar", "8000", "-ac", "1"],
    ".al": ["-f", "alaw", "-ar", "8000", "-ac", "1"],
    ".alaw": ["-f", "alaw", "-ar", "8000", "-ac", "1"],
}
MIN_SAMPLES = 160  # 10 ms at 16 kHz: less than this is no speech at all
TIMEOUT_S = 300.0


def ffmpeg_path() -> str:
    exe = shutil.which("ffmpeg")
    if exe is None:
        raise FfmpegMissing("ffmpeg is not installed (scripts/bootstrap.sh installs it)")
    return exe


def normalise(path: Path, rate: int = 16000) -> bytes:
    """Decode ``path`` to mono s16le PCM at ``rate`` Hz.

    Raises :class:`AudioNotFound`, :class:`AudioEmpty` (0 bytes, or no samples in
    it) or :class:`AudioUnreadable` (ffmpeg cannot decode it: corrupt, not audio).
    """
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise AudioNotFound("audio file not found", details={"path": str(path)}) from None
    if size == 0:
        raise AudioEmpty("audio file is empty", details={"path": str(path)})
    cmd = [
        ffmpeg_path(),
        "-nostdin",
        "-hide_banner",
        "-v",
        "error",
        *RAW_FORMATS.get(path.suffix.lower(), []),
        "-i",
        str(path),
        "-vn",  # an MP3's cover art or a video track is not audio
        "-ac",
        "1",
        "-ar",
        str(rate),
        "-f",
        "s16le",
        "-acodec",
        "pcm_s16le",
        "pipe:1",
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT_S, check=False)  # noqa: S603 - fixed argv
    except subprocess.TimeoutExpired as exc:
        raise AudioUnreadable(
            "decoding the audio took too long", details={"path": str(path)}
        ) from exc
    err = proc.stderr.decode(errors="replace").strip()
    if proc.returncode != 0:
        raise AudioUnreadable(
            "not a readable audio file",
            details={"path": str(path), "ffmpeg": err[-300:]},
        )
    pcm = proc.stdout
    if len(pcm) // 2 < MIN_SAMPLES:
        raise AudioEmpty(
            "the file holds no audio samples", details={"path": str(path), "ffmpeg": err[-300:]}
        )
    return pcm[: len(pcm) - len(pcm) % 2]


def duration_s(pcm: bytes, rate: int) -> float:
    return len(pcm) / 2 / rate
