"""Plain data of the ASR context: jobs, words, transcripts, live results."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class JobKind(StrEnum):
    call_recording = "call_recording"
    voice_message = "voice_message"


@dataclass(frozen=True, slots=True)
class Job:
    """One transcription request, as carried by ``{prefix}:asr:jobs``."""

    job_id: str
    contact_id: int
    path: str
    kind: JobKind
    language: str = "zh"

    def to_fields(self) -> dict[str, str]:
        return {
            "job_id": self.job_id,
            "contact_id": str(self.contact_id),
            "path": self.path,
            "kind": self.kind.value,
            "language": self.language,
        }

    @classmethod
    def from_fields(cls, f: dict[str, str]) -> Job:
        return cls(
            job_id=f["job_id"],
            contact_id=int(f["contact_id"]),
            path=f["path"],
            kind=JobKind(f.get("kind") or JobKind.voice_message.value),
            language=f.get("language") or "zh",
        )


@dataclass(frozen=True, slots=True)
class Word:
    word: str
    start: float  # seconds from the start of the audio
    end: float
    conf: float

    def to_dict(self) -> dict[str, Any]:
        return {"word": self.word, "start": self.start, "end": self.end, "conf": self.conf}


@dataclass(frozen=True, slots=True)
class Transcript:
    text: str
    words: list[Word] = field(default_factory=list)
    duration_s: float = 0.0
    decode_s: float = 0.0  # wall time spent decoding (normalising excluded)

    @property
    def rtf(self) -> float:
        """Real-time factor: processing time / audio time (< 1 is faster than real time)."""
        return self.decode_s / self.duration_s if self.duration_s > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "words": [w.to_dict() for w in self.words],
            "duration_s": round(self.duration_s, 3),
            "rtf": round(self.rtf, 4),
        }


class LiveKind(StrEnum):
    partial = "partial"
    final = "final"


@dataclass(frozen=True, slots=True)
class LiveResult:
    channel_id: str
    contact_id: int | None
    kind: LiveKind
    text: str
    at: float
    words: list[Word] = field(default_factory=list)
