"""A notice's text as a sound file Asterisk can play: characters → pinyin with tone
numbers (pypinyin) → espeak-ng's Mandarin pinyin voice → 8 kHz mono WAV (sox), written
into the Asterisk root's ``sounds/zh/liandong/notices/`` once per distinct text.

Why pinyin: Debian's espeak-ng ``cmn`` dictionary lacks most characters
(``prompts.models``). Digits are read one by one the way they are on the phone
(1 = yao1), so case numbers and times come out as callers expect.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from pathlib import Path

from pypinyin import Style, lazy_pinyin

from prompts.models import SOUND_DIR
from prompts.synth import synthesize

SUBDIR = "notices"
_READ = ("ling2", "yao1", "er4", "san1", "si4", "wu3", "liu4", "qi1", "ba1", "jiu3")
DIGITS = dict(zip("0123456789", _READ, strict=True))
_SYLLABLE = re.compile(r"^[a-z]+[1-5]$")
_PAUSE = set("，。、；：！？,.;:!?（）()【】[]「」“”\"'—-\n")
CONFIRM = "收到请按1确认。"
THANKS = "已确认收到，谢谢，再见。"


def to_pinyin(text: str) -> str:
    words: list[str] = []
    for tok in lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True):
        tok = tok.lower()
        if _SYLLABLE.match(tok):
            words.append(tok)
            continue
        for ch in tok:  # what pypinyin left as it was: digits, letters, punctuation
            if ch in DIGITS:
                words.append(DIGITS[ch])
            elif ch in _PAUSE and words and words[-1] != ",":
                words.append(",")
    return " ".join(words).replace(" ,", ",").strip(", ")


class NoticeSpeech:
    """Renders texts into ``sounds`` (the root's ``sounds/zh``): the ARI media URI and
    the spoken length in seconds."""

    def __init__(self, sounds: Path, voice: str, espeak: str, sox: str, speed: int) -> None:
        self.dir = sounds / SOUND_DIR / SUBDIR
        self.voice = voice
        self.espeak = espeak
        self.sox = sox
        self.speed = speed

    def render(self, text: str) -> tuple[str, float]:
        pinyin = to_pinyin(text)
        name = hashlib.sha256(f"{self.voice}\n{self.speed}\n{pinyin}".encode()).hexdigest()[:24]
        target = self.dir / f"{name}.wav"
        if not target.exists():
            self.dir.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(prefix="ld-notice-") as tmp:
                part = self.dir / f".{name}.part.wav"
                synthesize(self.espeak, self.sox, self.voice, pinyin, Path(tmp), part, self.speed)
                part.replace(target)  # atomic: a concurrent player never sees half a file
        # 8 kHz, 16-bit mono: 16,000 bytes a second after the 44-byte header.
        seconds = max(target.stat().st_size - 44, 0) / 16_000
        return f"sound:{SOUND_DIR}/{SUBDIR}/{name}", seconds
