"""Pinyin-aware fuzzy matching for speech-recognition homophone errors.

A recogniser that hears "zháo huǒ" may write 着伙 instead of 着火, 就命 for 救命,
抢结 for 抢劫. The sound is right, the characters are not. We therefore match a
second time on *sound*: every character becomes one code point standing for its
toneless syllable (private-use area, one code point per syllable), so the encoded
text has exactly the length of the normalised text and spans carry over unchanged.
The lexicon words are encoded the same way, once, into a second Aho-Corasick
automaton; a scan is then as cheap as the exact one.

Choices that keep this precise enough to use:

* Tones are ignored (recognisers and dialect speakers both lose them), and a few
  mergers common in Guizhou speech and in recogniser confusions are applied (zh/z,
  ch/c, sh/s, n/l initials; -ing/-in, -eng/-en finals) — configurable.
* A keyword's polyphonic characters contribute every reading (着: zhe/zhao/zhuo),
  capped, so whichever reading the recogniser's character has, it matches.
* A sound match is accepted only if it keeps at least one character of the word
  in place (着伙 keeps 着; 大家 keeps nothing of 打架 and is rejected) and is not a
  known common word (a stop list), so everyday words do not turn into alarms.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, TypeVar

from pypinyin import Style, lazy_pinyin, pinyin

from router.matcher import Hit, Matcher

V = TypeVar("V")

_PUA_START = 0xE000
_SEPARATOR = "\x01"  # code for any character without a syllable
_MAX_VARIANTS = 16  # readings of one word (product over polyphonic characters)


@dataclass(frozen=True, slots=True)
class PinyinRules:
    """Sound mergers applied to toneless pinyin before syllables are compared."""

    initials: Mapping[str, str]  # e.g. {"zh": "z", "n": "l"}
    finals: Mapping[str, str]  # e.g. {"ing": "in"}

    def merge(self, syllable: str) -> str:
        for src, dst in self.initials.items():
            if syllable.startswith(src) and not (src == "n" and syllable.startswith("ng")):
                syllable = dst + syllable[len(src) :]
                break
        for src, dst in self.finals.items():
            if syllable.endswith(src):
                syllable = syllable[: -len(src)] + dst
                break
        return syllable


class _Codes(dict[int, str]):
    """char code → syllable code, filled on first sight (pypinyin is slow, lookups are not).

    A ``dict`` subclass with ``__missing__`` works directly as a ``str.translate``
    table, so encoding a text stays a single C-level pass after warm-up.
    """

    def __init__(self, encoder: PinyinEncoder) -> None:
        super().__init__()
        self._encoder = encoder

    def __missing__(self, code: int) -> str:
        char = chr(code)
        value = _SEPARATOR
        if "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff":
            reading = lazy_pinyin(char, style=Style.NORMAL, errors="ignore")
            if reading and reading[0].isascii() and reading[0].isalpha():
                value = self._encoder.syllable_code(reading[0])
        self[code] = value
        return value


class PinyinEncoder:
    """Turns text into one private-use code point per character (its syllable)."""

    def __init__(self, rules: PinyinRules) -> None:
        self._rules = rules
        self._syllables: dict[str, str] = {}
        self._codes = _Codes(self)

    def syllable_code(self, syllable: str) -> str:
        merged = self._rules.merge(syllable.lower())
        code = self._syllables.get(merged)
        if code is None:
            code = chr(_PUA_START + len(self._syllables))
            self._syllables[merged] = code
        return code

    def encode(self, text: str) -> str:
        """Same length as ``text``; non-Chinese characters become a separator."""
        return text.translate(self._codes)

    def word_keys(self, word: str) -> list[str]:
        """Every encoding of ``word`` over its characters' readings (capped)."""
        readings: list[list[str]] = []
        phrase = lazy_pinyin(word, style=Style.NORMAL, errors="ignore")
        # Character by character: given a whole word, pypinyin returns only the
        # phrase reading, and we want every reading of each character.
        per_char = [_readings(ch) for ch in word]
        if any(not r for r in per_char) or len(phrase) != len(word):
            return []  # a character without a reading: not a word to match by sound
        for preferred, options in zip(phrase, per_char, strict=True):
            ordered = [preferred, *[o for o in options if o != preferred]]
            readings.append([self.syllable_code(r) for r in ordered if r])
        keys = []
        for combo in itertools.islice(itertools.product(*readings), _MAX_VARIANTS):
            keys.append("".join(combo))
        return list(dict.fromkeys(keys))


@lru_cache(maxsize=8192)
def _readings(char: str) -> tuple[str, ...]:
    """Every toneless reading of one character (cached: lexicon words share them)."""
    found = pinyin(char, style=Style.NORMAL, heteronym=True, errors="ignore")
    return tuple(found[0]) if found else ()


@dataclass(frozen=True, slots=True)
class FuzzyHit(Generic[V]):
    start: int
    end: int
    word: str  # the lexicon word it sounds like
    heard: str  # what the normalised text actually says there
    value: V


class FuzzyMatcher(Generic[V]):
    """Finds lexicon words by sound in normalised text (see the module docstring)."""

    def __init__(
        self,
        words: Mapping[str, V],
        encoder: PinyinEncoder,
        *,
        stop: Iterable[str] = (),
        weak_chars: str = "",
        min_length: int = 2,
    ) -> None:
        self._encoder = encoder
        self._stop = frozenset(stop)
        self._weak = frozenset(weak_chars)
        patterns: dict[str, list[tuple[str, V]]] = {}
        for word, value in words.items():
            if len(word) < min_length:
                continue
            for key in encoder.word_keys(word):
                patterns.setdefault(key, []).append((word, value))
        self._matcher: Matcher[list[tuple[str, V]]] = Matcher(patterns)

    def __len__(self) -> int:
        return len(self._matcher)

    def find(self, text: str) -> list[FuzzyHit[V]]:
        """Sound-alike occurrences that are not literal occurrences of the word."""
        if not len(self._matcher):
            return []
        encoded = self._encoder.encode(text)
        found: list[FuzzyHit[V]] = []
        hit: Hit[list[tuple[str, V]]]
        for hit in self._matcher.find(encoded):
            heard = text[hit.start : hit.end]
            if heard in self._stop:
                continue
            for word, value in hit.value:
                if heard != word and _keeps_enough(heard, word, self._weak):
                    found.append(FuzzyHit(hit.start, hit.end, word, heard, value))
        return found


def _keeps_enough(heard: str, word: str, weak: frozenset[str]) -> bool:
    """At least one meaningful character in place; half of them for longer words."""
    same = sum(1 for a, b in zip(heard, word, strict=True) if a == b and a not in weak)
    return same >= max(1, len(word) // 2) if len(word) >= 4 else same >= 1
