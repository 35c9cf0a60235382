"""Text normalisation for matching, with a map back to the original offsets.

Speech transcripts and messages arrive in every shape: full-width digits from phone
keyboards, traditional characters from Weibo users outside the mainland, ASR output
with a space between every word, and punctuation of both widths. The lexicons are
written once, in simplified Chinese without spaces, so the text is brought to that
shape first:

* full width → half width (``ＡＢＣ１２３`` → ``abc123``), ASCII letters lower-cased;
* traditional → simplified, character by character (OpenCC's ``t2s`` table), plus a
  few extra variants the lexicon asks for (``著`` → ``着``: OpenCC keeps ``著``
  because it is also a simplified character, but in ``著火`` it means ``着``);
* every clause punctuation mark → ``","`` so that negation never reaches across a
  clause, quotes and brackets dropped, whitespace dropped (``着 火`` → ``着火``);
* spoken digit strings → digits: a run of three or more of 零〇一二三四五六七八九幺洞两
  is a number read out (``幺幺零`` → ``110``, a phone or plate number); shorter runs stay
  words (一动不动, 两三个, 观音洞);
* repeated characters: a run of three or more of one character keeps two
  (``快快快快来`` → ``快快来``, ``啊啊啊啊`` → ``啊啊``), a run of clause marks keeps one
  (``！！！`` → ``,``); digits are never shortened (``110``, ``1111``).

Each step maps one character to at most one character, so a single ``str.translate``
plus two length-keeping regular expressions do the work and the only length change is
deletion. ``Normalized.span`` turns a
span of the normalised text back into a span of the original, which is what a call
taker's screen highlights.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

# Marker written into the translated text for characters that are dropped; it is
# removed in a second step that also records the offsets. U+0000 cannot occur in
# JSON-decoded call text in any meaningful way, and we strip it from input first.
_DROP = "\x00"
BOUNDARY = ","

# Clause-ending or clause-separating marks (both widths after width folding).
_BOUNDARY_MARKS = ",.!?;:、。！？；：…～~—\n\r\t|/\\"
# Marks that carry no clause information; dropped like spaces.
_DROPPED_MARKS = " \u3000\"'`“”‘’「」『』()（）[]【】《》<>〈〉·•-_*#@+=^"

# Read-out digits (幺 and 洞 are how dispatchers and callers say 1 and 0).
_SPOKEN_DIGITS = {"零": "0", "〇": "0", "洞": "0", "一": "1", "幺": "1", "二": "2", "两": "2"}
_SPOKEN_DIGITS.update(zip("三四五六七八九", "3456789", strict=True))
_SPOKEN_RUN = re.compile("[" + "".join(_SPOKEN_DIGITS) + "]{3,}")
_SPOKEN_TABLE = str.maketrans(_SPOKEN_DIGITS)
# Three or more of one character (digits and the drop marker excepted).
_REPEAT_RUN = re.compile("([^0-9\x00])\\1{2,}")


class Normalized:
    """A normalised text and the way back to the original.

    ``drops``: for each dropped character, in order, how many characters were kept
    before it. Empty when nothing was dropped (offsets are then the identity). Stored
    this way because a full offset table costs a Python loop per character on every
    text, while spans are only needed for the few matched words. (A plain class, not
    a frozen dataclass: one is built per contact and frozen ``__init__`` is slow.)
    """

    __slots__ = ("drops", "original", "text")

    def __init__(self, original: str, text: str, drops: tuple[int, ...] = ()) -> None:
        self.original = original
        self.text = text
        self.drops = drops

    def __repr__(self) -> str:
        return f"Normalized(text={self.text!r}, drops={self.drops!r})"

    def offset(self, index: int) -> int:
        """Index in ``original`` of ``text[index]``."""
        return index + bisect_right(self.drops, index) if self.drops else index

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original ``[start, end)`` of the normalised ``text[start:end]`` (end > start)."""
        if not self.drops:
            return start, end
        return self.offset(start), self.offset(end - 1) + 1


def _width_fold() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0xFF01, 0xFF5F):  # full-width ASCII block
        table[code] = chr(code - 0xFEE0)
    table[0x3000] = " "  # ideographic space
    return table


@lru_cache(maxsize=1)
def opencc_t2s_chars() -> dict[str, str]:
    """Single-character traditional → simplified pairs, converted by OpenCC ``t2s``.

    OpenCC converts whole strings with phrase tables, which can change lengths; we
    need a character map to keep offsets, so we run OpenCC over each character of
    its own traditional-character dictionary (about 4,000 entries, ~40 ms once).
    """
    import opencc  # deferred: only needed when a classifier is built

    converter = opencc.OpenCC("t2s")
    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    pairs: dict[str, str] = {}
    if not path.exists():  # a packaging without the data file: no t2s, still works
        return pairs
    for line in path.read_text(encoding="utf-8").splitlines():
        trad = line.split("\t", 1)[0]
        if len(trad) != 1:
            continue
        simp = converter.convert(trad)
        if len(simp) == 1 and simp != trad:
            pairs[trad] = simp
    return pairs


class Normalizer:
    """Builds the translation table once; ``normalize`` is then one pass or two."""

    def __init__(self, char_map: Mapping[str, str] | None = None, *, t2s: bool = True) -> None:
        table: dict[int, str] = {}
        if t2s:
            table.update({ord(k): v for k, v in opencc_t2s_chars().items()})
        for key, value in (char_map or {}).items():
            if len(key) != 1 or len(value) != 1:
                raise ValueError(f"char_map entries must be single characters: {key!r}")
            table[ord(key)] = value
        # Width folding comes before the ASCII rules so that full-width marks and
        # letters get the same treatment as their ASCII forms.
        folded = _width_fold()
        for code in range(ord("A"), ord("Z") + 1):
            table[code] = chr(code + 32)
        for mark in _BOUNDARY_MARKS:
            table[ord(mark)] = BOUNDARY
        for mark in _DROPPED_MARKS:
            table[ord(mark)] = _DROP
        table[0] = _DROP
        for code, ascii_char in folded.items():
            table[code] = table.get(ord(ascii_char), ascii_char)
        # Identity entries for the common CJK block: ``str.translate`` raises and
        # swallows a KeyError for every character missing from the table, which
        # costs more than the lookup itself (measured: ~2x on Chinese text).
        for code in range(0x4E00, 0xA000):
            table.setdefault(code, chr(code))
        self._table = table

    def normalize(self, original: str) -> Normalized:
        translated = original.translate(self._table)
        # Both rewrites keep the length (a shortened run becomes drop markers), so the
        # offsets below still point into the original.
        if _SPOKEN_RUN.search(translated) is not None:
            translated = _SPOKEN_RUN.sub(_read_out, translated)
        if _REPEAT_RUN.search(translated) is not None:
            translated = _REPEAT_RUN.sub(_shorten, translated)
        at = translated.find(_DROP)
        if at < 0:
            return Normalized(original, translated)
        drops: list[int] = []
        while at >= 0:
            drops.append(at - len(drops))
            at = translated.find(_DROP, at + 1)
        return Normalized(original, translated.replace(_DROP, ""), tuple(drops))


def _read_out(match: re.Match[str]) -> str:
    return match.group(0).translate(_SPOKEN_TABLE)


def _shorten(match: re.Match[str]) -> str:
    run = match.group(0)
    keep = 1 if run[0] == BOUNDARY else 2
    return run[:keep] + _DROP * (len(run) - keep)
