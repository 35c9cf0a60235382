"""Multi-pattern matching over normalised text (Aho-Corasick, via pyahocorasick).

One automaton holds every lexicon word; a text is scanned once, in time linear in
its length and independent of the number of patterns. Two modes:

* ``find`` — every occurrence, overlapping ones included (the sound-alike matcher
  needs all candidates);
* ``scan_longest`` — leftmost-longest, non-overlapping occurrences, chosen inside
  pyahocorasick (C). A longer word wins over the shorter ones it covers, which is how
  stop words (恼火 "annoyed") silence the keyword inside them (火) and how 没有水
  (no water) stays a keyword rather than a negation of 水. This is the classifier's
  hot path, so it yields the automaton's raw items instead of building objects.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Generic, NamedTuple, TypeVar

import ahocorasick

V = TypeVar("V")


class Hit(NamedTuple, Generic[V]):
    start: int
    end: int
    word: str
    value: V


class Matcher(Generic[V]):
    """All occurrences of a fixed set of words; each word carries a value."""

    def __init__(self, patterns: Mapping[str, V]) -> None:
        self._automaton: Any = ahocorasick.Automaton()
        for word, value in patterns.items():
            if not word:
                raise ValueError("empty pattern")
            self._automaton.add_word(word, (len(word), word, value))
        self._size = len(patterns)
        if self._size:
            self._automaton.make_automaton()

    def __len__(self) -> int:
        return self._size

    def find(self, text: str) -> list[Hit[V]]:
        """Every occurrence, overlapping ones included, in order of their end."""
        if not self._size or not text:
            return []
        return [
            Hit(end + 1 - length, end + 1, word, value)
            for end, (length, word, value) in self._automaton.iter(text)
        ]

    def find_longest(self, text: str) -> list[Hit[V]]:
        """Leftmost-longest non-overlapping occurrences, in text order."""
        return [
            Hit(end + 1 - length, end + 1, word, value)
            for end, (length, word, value) in self.scan_longest(text)
        ]

    def scan_longest(self, text: str) -> Iterator[tuple[int, tuple[int, str, V]]]:
        """Like ``find_longest``, raw: ``(last index, (length, word, value))`` items."""
        if not self._size or not text:
            return iter(())
        it: Iterator[tuple[int, tuple[int, str, V]]] = self._automaton.iter_long(text)
        return it
