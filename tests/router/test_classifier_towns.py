"""Which township-level unit a text mentions: full names, short names, aliases,
villages, recogniser homophones — and the everyday words that only look like names."""

from __future__ import annotations

import pytest

from router.classifier import LexiconClassifier

from .lexicon_support import shared_classifier


@pytest.fixture(scope="module")
def clf() -> LexiconClassifier:
    return shared_classifier()


@pytest.mark.parametrize(
    ("text", "town"),
    [
        ("钟山镇街上有人打架", "钟山镇"),
        ("我在钟山这边 出车祸了", "钟山镇"),
        ("新仁乡这边有户人家房子烧起来了", "新仁苗族乡"),
        ("五里乡后山发生山火", "五里布依族苗族乡"),
        ("新仁苗族乡化屋村", "新仁苗族乡"),
        ("我是莲城街道办的 想问一下低保", "莲城街道"),
        ("观音洞那边有人打架", "观音洞镇"),
        ("我在化屋村这边 有个游客掉到水里了", "新仁苗族乡"),
        ("重新镇往县城的那条路堵车了", "重新镇"),
        ("洪水镇的 我们村停水一个星期了", "洪水镇"),
        ("谷里街上有人摆摊占道", "谷里镇"),
    ],
)
def test_township_is_named_by_its_official_name(
    clf: LexiconClassifier, text: str, town: str
) -> None:
    assert clf.town(text) == town
    assert clf.classify(text, None).town == town


@pytest.mark.parametrize(
    "text",
    [
        "我重新说一下 我的电动车是在超市门口被偷的",
        "我想重新报一次警",
        "发洪水了 水已经淹到我家门口了",
        "路边的绿化带里面全是垃圾",
        "离城五里路的地方 车子撞了",
        "杜鹃花开的那个坡上有人在烧火",
        "我在山谷里面迷路了",
        "金碧辉煌那个KTV门口有人打架",
        "中建的工地上老板欠了我们工资",
        "我在协和医院门口 有个人晕倒了",
    ],
)
def test_everyday_words_that_look_like_township_names_name_no_town(
    clf: LexiconClassifier, text: str
) -> None:
    assert clf.town(text) is None


@pytest.mark.parametrize("text", ["我在贵阳花溪区打工 被人骗了", "六盘水钟山区那边的亲戚"])
def test_a_district_of_another_city_is_not_a_qianxi_township(
    clf: LexiconClassifier, text: str
) -> None:
    assert clf.town(text) is None


def test_a_township_heard_wrongly_by_the_recogniser_is_still_found(
    clf: LexiconClassifier,
) -> None:
    # 中山镇 sounds exactly like 钟山镇 (zhōng shān zhèn).
    assert clf.town("中山镇街上 一个老人家被电动车撞倒了") == "钟山镇"


def test_an_ambiguous_short_name_read_as_a_place_is_not_also_a_keyword(
    clf: LexiconClassifier,
) -> None:
    result = clf.classify("洪水那边有人在打架", None)
    assert (result.town, result.category) == ("洪水镇", "police")
    assert all(word != "洪水" for word, _s, _e in result.keywords)


def test_the_first_township_mentioned_is_the_one_reported(clf: LexiconClassifier) -> None:
    assert clf.town("从大关镇到雨朵镇的路上堵车了") == "大关镇"
