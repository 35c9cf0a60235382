"""ASR settings, nested under the root settings as ``asr`` (env ``LIANDONG_ASR__*``),
e.g. ``LIANDONG_ASR__MODELS='{"zh": "/srv/vosk-model-small-cn-0.22"}'``."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field


class AsrSettings(BaseModel):
    # Language -> a Vosk model directory, or the name of an installed model
    # (under ``model_dir`` or a ``vosk_model_*`` Python package). Unset languages
    # fall back to whatever model is found for them (see ``asr.catalog``).
    models: dict[str, str] = Field(default_factory=dict)
    language: str = "zh"  # the language of calls and voice messages here
    # Where ``liandong asr install`` unpacks models (relative to the working dir).
    model_dir: Path = Path("var/asr-models")
    # Decoding threads per worker process. Vosk decoding is CPU-bound and releases
    # the GIL, so one thread per core is the useful maximum.
    threads: int = Field(2, ge=1, le=64)
    # Batch jobs: consumer group, recovery and dead letters (like the intake queue).
    group: str = "asr-workers"
    claim_idle_ms: int = Field(60_000, ge=100)
    max_deliveries: int = Field(5, ge=1)
    stream_maxlen: int = Field(100_000, ge=100)
    # How often the worker looks for channels' voice media waiting for ASR.
    media_sweep_s: float = Field(2.0, gt=0)
    # Live call transcription over ARI externalMedia (RTP, slin16).
    live: bool = True
    ari_app: str = "liandong-asr"
    rtp_host: str = "127.0.0.1"  # where Asterisk sends the caller's audio
    # Call states in which the caller is tapped (the telephony state machine's names).
    tap_states: list[str] = Field(
        default_factory=lambda: ["queued", "talking", "connected", "held", "transferring"]
    )
    live_scan_s: float = Field(2.0, gt=0)  # re-reads the live-call set (restart, lost events)
    live_maxlen: int = Field(10_000, ge=100)
    # Keyword assist: a second recognizer limited to the emergency keywords. Off by
    # default: on the measured set it did not raise recall (README, "ASR").
    keyword_assist: bool = False
