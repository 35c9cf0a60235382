"""Normalisation: width, script, punctuation, spaces — and spans back to the original."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from router.normalize import BOUNDARY, Normalizer

NORMALIZER = Normalizer({"著": "着"})


def test_full_width_digits_letters_and_marks_become_half_width_lower_case() -> None:
    assert NORMALIZER.normalize("ＫＴＶ门口１２３号").text == "ktv门口123号"


def test_traditional_characters_become_simplified() -> None:
    assert NORMALIZER.normalize("樓下的餐館著火了，煙很大").text == "楼下的餐馆着火了,烟很大"


def test_clause_punctuation_of_both_widths_becomes_one_boundary_mark() -> None:
    text = NORMALIZER.normalize("着火了！快来。救命?好的;行、").text
    assert text == "着火了,快来,救命,好的,行,"
    assert text.count(BOUNDARY) == 5


def test_spaces_between_recognised_words_are_dropped() -> None:
    assert NORMALIZER.normalize("喂 着 火 了  快 来").text == "喂着火了快来"


def test_spans_of_the_normalised_text_point_into_the_original() -> None:
    original = "喂 我家 着 火 了"
    norm = NORMALIZER.normalize(original)
    start = norm.text.index("着火")
    s, e = norm.span(start, start + 2)
    assert original[s:e] == "着 火"


def test_text_without_dropped_characters_keeps_identical_offsets() -> None:
    norm = NORMALIZER.normalize("我家着火了")
    assert norm.drops == ()
    assert norm.span(2, 4) == (2, 4)


_PIECES = st.sampled_from(
    ["着", "火", "樓", "Ａ", "１", " ", "\u3000", "，", "“", "”", "(", "x", "喂"]
)


@given(st.lists(_PIECES, max_size=40).map("".join))
def test_every_normalised_character_comes_from_its_mapped_original(original: str) -> None:
    norm = NORMALIZER.normalize(original)
    for i, char in enumerate(norm.text):
        s, e = norm.span(i, i + 1)
        assert e == s + 1
        assert NORMALIZER.normalize(original[s:e]).text == char
