"""Training-time variants of labelled contacts: how the same words arrive in the field.

Each hand-written training contact is also seen, at training only, as

* **recognised speech**: one or two characters replaced by another character of the same
  toneless syllable (着火 → 着伙, 抢劫 → 强劫), as a recogniser that heard the sound but
  picked the wrong character would write it;
* **Guizhou speech**: the lexicon's dialect rules run backwards (没有 → 莫得, 小孩 → 娃儿);
* **a caller's opening**: 喂 / 你好 / 那个 / 就是 … before the matter;
* **traditional characters** (OpenCC ``s2t``), for characters the normaliser's
  character map does not bring back.

Deterministic: variants depend only on the text, its position and the seed. The label
never changes (none of these changes what happened). Variants are never written to the
labelled files and never used for tuning or evaluation.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any

from pypinyin import Style, lazy_pinyin

OPENINGS = ("喂 ", "喂 你好 ", "那个 ", "就是 ", "你好 我要反映一下 ", "嗯 ", "喂 喂 ", "是这样的 ")


@cache
def _syllable(char: str) -> str:
    if not "\u4e00" <= char <= "\u9fff":
        return ""
    reading = lazy_pinyin(char, style=Style.NORMAL, errors="ignore")
    return reading[0] if reading else ""


class Augmenter:
    def __init__(
        self, corpus: Iterable[str], dialect: Mapping[str, Sequence[str]], *, seed: int = 17
    ) -> None:
        # Sound-alikes come from characters the corpus itself uses, so a "misheard"
        # character is a plausible one, not a rare glyph.
        by_sound: dict[str, set[str]] = {}
        for text in corpus:
            for ch in text:
                syl = _syllable(ch)
                if syl:
                    by_sound.setdefault(syl, set()).add(ch)
        self._alike = {s: sorted(chars) for s, chars in by_sound.items() if len(chars) > 1}
        self._dialect = [(std, list(local)) for std, local in dialect.items() if local]
        self._seed = seed
        self._s2t: Any = None

    def variants(self, text: str, position: int) -> list[str]:
        rng = random.Random(f"{self._seed}:{position}:{text}")  # noqa: S311 - reproducible variants, not secrets
        out = [self.misheard(text, rng)]
        kind = rng.randrange(3)
        if kind == 0:
            local = self.dialect(text, rng)
            out.append(local if local != text else rng.choice(OPENINGS) + text)
        elif kind == 1:
            out.append(rng.choice(OPENINGS) + text)
        else:
            out.append(self.traditional(text))
        return [v for v in dict.fromkeys(out) if v != text]

    def misheard(self, text: str, rng: random.Random) -> str:
        places = [i for i, ch in enumerate(text) if _syllable(ch) in self._alike]
        if not places:
            return text
        chars = list(text)
        for i in rng.sample(places, min(len(places), 1 + len(text) // 25, 3)):
            options = [c for c in self._alike[_syllable(chars[i])] if c != chars[i]]
            chars[i] = rng.choice(options)
        return "".join(chars)

    def dialect(self, text: str, rng: random.Random) -> str:
        found = [(std, local) for std, local in self._dialect if std in text]
        if not found:
            return text
        std, local = rng.choice(found)
        return text.replace(std, rng.choice(local), 1)

    def traditional(self, text: str) -> str:
        if self._s2t is None:
            import opencc  # deferred: training only

            self._s2t = opencc.OpenCC("s2t")
        converted: str = self._s2t.convert(text)
        return converted
