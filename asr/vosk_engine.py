"""The Vosk adapter: one model per process, shared by every recognizer.

``vosk.Model`` is immutable once loaded and safe to share between threads; each
``KaldiRecognizer`` is a single stream's state and must only be used by one thread
at a time. Decoding releases the GIL, so a thread pool of ``cores`` threads runs
``cores`` streams in parallel.
"""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path
from typing import Any

from asr.errors import ModelInvalid
from asr.models import Transcript, Word

CHUNK_BYTES = 8000  # 0.25 s at 16 kHz: what Vosk's own examples feed
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff]) (?=[\u3400-\u9fff])")

_lock = threading.Lock()
_models: dict[Path, VoskModel] = {}


def _vosk() -> Any:
    import vosk

    vosk.SetLogLevel(-1)  # Kaldi logs to stderr otherwise, once per recognizer
    return vosk


def join_text(parts: list[str], language: str) -> str:
    text = " ".join(p for p in (x.strip() for x in parts) if p)
    # Chinese models emit words separated by spaces; Chinese is written without them.
    return _CJK_GAP.sub("", text) if language == "zh" else text


class VoskModel:
    """A loaded model and its sample rate."""

    def __init__(self, path: Path, language: str = "") -> None:
        if not (path / "am").is_dir() and not (path / "final.mdl").exists():
            raise ModelInvalid("not a Vosk model directory", details={"path": str(path)})
        self.path = path
        self.language = language
        self.sample_rate = _model_rate(path)
        started = time.perf_counter()
        self.model = _vosk().Model(str(path))
        self.load_s = time.perf_counter() - started

    @classmethod
    def shared(cls, path: Path, language: str = "") -> VoskModel:
        """The process's instance for ``path`` (loading takes seconds and ~100 MB)."""
        key = path.resolve()
        with _lock:
            model = _models.get(key)
            if model is None:
                model = _models[key] = cls(key, language)
            return model

    def knows(self, word: str) -> bool:
        """Whether ``word`` is in the model's vocabulary (grammars may only use those)."""
        return int(self.model.vosk_model_find_word(word)) >= 0

    def recognizer(self, grammar: list[str] | None = None) -> Any:
        vosk = _vosk()
        if grammar is None:
            rec = vosk.KaldiRecognizer(self.model, self.sample_rate)
        else:
            # A grammar recognizer may only output these phrases, or "[unk]" when the
            # model has that garbage word (not every small model does).
            phrases = [*grammar, "[unk]"] if self.knows("[unk]") else list(grammar)
            rec = vosk.KaldiRecognizer(
                self.model, self.sample_rate, json.dumps(phrases, ensure_ascii=False)
            )
        rec.SetWords(True)
        return rec

    def transcribe(self, pcm: bytes, language: str | None = None) -> Transcript:
        """Decode a whole utterance or recording (``pcm``: mono s16le at ``sample_rate``)."""
        started = time.perf_counter()
        rec = self.recognizer()
        texts: list[str] = []
        words: list[Word] = []
        for i in range(0, len(pcm), CHUNK_BYTES):
            if rec.AcceptWaveform(pcm[i : i + CHUNK_BYTES]):
                _collect(rec.Result(), texts, words)
        _collect(rec.FinalResult(), texts, words)
        return Transcript(
            text=join_text(texts, language or self.language),
            words=words,
            duration_s=len(pcm) / 2 / self.sample_rate,
            decode_s=time.perf_counter() - started,
        )


def parse_result(raw: str) -> tuple[str, list[Word]]:
    data = json.loads(raw)
    words = [
        Word(str(w["word"]), float(w["start"]), float(w["end"]), float(w.get("conf", 1.0)))
        for w in data.get("result", [])
    ]
    return str(data.get("text", "")), words


def _collect(raw: str, texts: list[str], words: list[Word]) -> None:
    text, ws = parse_result(raw)
    if text:
        texts.append(text)
    words.extend(ws)


def _model_rate(path: Path) -> int:
    """The rate the model's features were trained at (``--sample-frequency``), 16 kHz
    for every small Vosk model when the config does not say."""
    for conf in (path / "conf" / "mfcc.conf", path / "mfcc.conf"):
        if conf.exists():
            for line in conf.read_text(encoding="utf-8", errors="replace").splitlines():
                if line.strip().startswith("--sample-frequency="):
                    return int(float(line.split("=", 1)[1]))
    return 16000


class StreamDecoder:
    """One live stream's recognizer. Not thread-safe: feed it from one task, in order
    (the task may hop between pool threads; calls never overlap)."""

    def __init__(self, model: VoskModel, language: str = "") -> None:
        self.rec = model.recognizer()
        self.language = language or model.language
        self.rate = model.sample_rate
        self.samples = 0

    @property
    def seconds(self) -> float:
        return self.samples / self.rate

    def feed(self, pcm: bytes, partial: bool = True) -> tuple[str | None, list[Word], str]:
        """(final text or None, its words, the current partial text). A partial costs
        a search of the lattice so far: ask for one only as often as it is shown."""
        self.samples += len(pcm) // 2
        if self.rec.AcceptWaveform(pcm):
            text, words = parse_result(self.rec.Result())
            return join_text([text], self.language), words, ""
        if not partial:
            return None, [], ""
        partial_text = str(json.loads(self.rec.PartialResult()).get("partial", ""))
        return None, [], join_text([partial_text], self.language)

    def finish(self) -> tuple[str, list[Word]]:
        text, words = parse_result(self.rec.FinalResult())
        return join_text([text], self.language), words
