"""Keyword assist: a second recognizer limited to the emergency keywords.

Vosk can decode against a phrase list (a grammar) instead of its full language
model. Restricted to the router's emergency keywords (着火, 救命, 抢劫 …;
``router.lexicon.emergency_keywords``, handed in by the caller) it cannot
drift into look-alike everyday words, which may find a keyword the free recognizer
missed in noise - at the price of false alarms, since it maps every sound to one of
its phrases or ``[unk]``. Whether that trade is worth it is measured by
``benchmarks/asr_bench.py --keywords`` (README, "ASR"); the setting
``asr.keyword_assist`` stays off unless it helped.
"""

from __future__ import annotations

from collections.abc import Iterable

from asr.models import Word
from asr.vosk_engine import CHUNK_BYTES, VoskModel, parse_result

MIN_CONF = 0.6


class KeywordSpotter:
    def __init__(self, model: VoskModel, keywords: Iterable[str], min_conf: float = MIN_CONF):
        self.model = model
        wanted = sorted(set(keywords))
        # A grammar word the model does not know is dropped by Vosk with a warning on
        # every recognizer; drop it once here. A phrase is kept when all its words are
        # known (Chinese models spell phrases as space-separated words).
        self.keywords = [k for k in wanted if all(model.knows(w) for w in k.split())]
        self.unknown = [k for k in wanted if k not in self.keywords]
        self.min_conf = min_conf

    def spot(self, pcm: bytes) -> list[Word]:
        """Keyword occurrences in ``pcm`` (mono s16le at the model's rate)."""
        if not self.keywords:
            return []
        rec = self.model.recognizer(self.keywords)
        found: list[Word] = []
        for i in range(0, len(pcm), CHUNK_BYTES):
            if rec.AcceptWaveform(pcm[i : i + CHUNK_BYTES]):
                found += parse_result(rec.Result())[1]
        found += parse_result(rec.FinalResult())[1]
        return [w for w in found if w.word in self.keywords and w.conf >= self.min_conf]


def found_keywords(text: str, spotted: list[Word], keywords: Iterable[str]) -> set[str]:
    """Keywords present in the free transcript or spotted by the grammar recognizer."""
    compact = text.replace(" ", "")
    return {k for k in keywords if k.replace(" ", "") in compact} | {w.word for w in spotted}
