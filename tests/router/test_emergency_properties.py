"""Emergencies are not flipped by noise: whitespace, punctuation, traditional
characters and negations that do not negate the incident (hypothesis); a negation that
does negate it, or the incident being over, does."""

from __future__ import annotations

import opencc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from router.hybrid import HybridClassifier

from .model_support import shared_hybrid

EMERGENCIES = [
    ("我爸倒在地上叫不醒", "120"),
    ("楼下着火了 烟好大 楼上还有人", "119"),
    ("有个人拿着刀在街上砍人", "110"),
    ("出车祸了 有人躺在地上流血", "122"),
    ("我老婆喝了农药 现在在吐", "120"),
    ("有个小孩掉到河里了 被水冲走了", "110"),
    ("有个人正在撬我家的门 还没走", "110"),
    ("我刚刚被骗转了三万 对方还在电话里叫我转", "110"),
    ("我妈突然说不出话 半边身子不能动", "120"),
    ("电梯卡在两层中间 里面关了人", "119"),
]
ASIDES = [
    "我不知道怎么办",
    "没办法了",
    "不是开玩笑的",
    "你们不要挂电话",
    "我也没有车",
    "不晓得咋个搞",
]
NOISE = st.sampled_from([" ", "  ", "\u3000"])
MARKS = st.sampled_from(["！", "!!!", "。。。", "……", "？", "，", "～", "!?"])
SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def clf() -> HybridClassifier:
    return shared_hybrid()


def test_the_examples_are_emergencies_to_begin_with(clf: HybridClassifier) -> None:
    for text, hotline in EMERGENCIES:
        result = clf.classify(text, hotline)
        assert result.emergency and result.priority == 1, (text, result.explanation)


@SETTINGS
@given(st.sampled_from(EMERGENCIES), st.lists(st.tuples(st.integers(0, 40), NOISE), max_size=8))
def test_whitespace_anywhere_does_not_flip_an_emergency(
    clf: HybridClassifier, case: tuple[str, str], inserts: list[tuple[int, str]]
) -> None:
    text, hotline = case
    chars = list(text)
    for at, space in inserts:
        chars.insert(min(at, len(chars)), space)
    assert clf.classify("".join(chars), hotline).emergency


@SETTINGS
@given(st.sampled_from(EMERGENCIES), MARKS, MARKS, st.booleans())
def test_punctuation_between_clauses_does_not_flip_an_emergency(
    clf: HybridClassifier, case: tuple[str, str], mark: str, end: str, lead: bool
) -> None:
    text, hotline = case
    noisy = text.replace(" ", mark) + end
    if lead:
        noisy = "喂" + mark + noisy
    assert clf.classify(noisy, hotline).emergency


@SETTINGS
@given(st.sampled_from(EMERGENCIES), st.booleans())
def test_traditional_characters_do_not_flip_an_emergency(
    clf: HybridClassifier, case: tuple[str, str], taiwan: bool
) -> None:
    text, hotline = case
    converted = opencc.OpenCC("s2tw" if taiwan else "s2t").convert(text)
    assert clf.classify(converted, hotline).emergency


@SETTINGS
@given(st.sampled_from(EMERGENCIES), st.sampled_from(ASIDES), st.booleans())
def test_a_negation_that_does_not_negate_the_incident_does_not_flip_it(
    clf: HybridClassifier, case: tuple[str, str], aside: str, before: bool
) -> None:
    text, hotline = case
    said = f"{aside} {text}" if before else f"{text} {aside}"
    assert clf.classify(said, hotline).emergency


@pytest.mark.parametrize(
    ("text", "hotline"),
    [
        ("刚才两个车刮了一下 没有人受伤", "122"),
        ("厨房着了一点火 已经灭了 没事了", "119"),
        ("前天晚上家里被偷了 想报个案", "110"),
        ("我想问一下晕倒了应该怎么急救", "120"),
    ],
)
def test_a_negated_incident_past_or_over_is_not_an_emergency(
    clf: HybridClassifier, text: str, hotline: str
) -> None:
    assert not clf.classify(text, hotline).emergency
