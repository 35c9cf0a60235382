"""The Aho-Corasick wrapper: all occurrences vs leftmost-longest."""

from __future__ import annotations

from router.matcher import Matcher


def test_find_reports_every_occurrence_including_overlaps() -> None:
    m = Matcher({"着火": 1, "火": 2})
    assert [(h.start, h.end, h.word) for h in m.find("着火了")] == [(0, 2, "着火"), (1, 2, "火")]


def test_longest_match_hides_the_words_inside_it() -> None:
    m = Matcher({"火": "fire", "恼火": "stop", "没有": "neg", "没有水": "water"})
    hits = m.find_longest("好恼火 家里没有水 也没有火")
    assert [h.word for h in hits] == ["恼火", "没有水", "没有", "火"]


def test_an_empty_matcher_finds_nothing() -> None:
    m: Matcher[int] = Matcher({})
    assert m.find("着火") == []
    assert m.find_longest("着火") == []
