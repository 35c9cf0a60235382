"""The lexicon classifier's rules: hotline prior vs content, negation, Guizhou speech,
recogniser homophones, urgency and priority, keywords and explanation."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.triage.ports import Classification, Classifier
from router.classifier import LexiconClassifier

from .lexicon_support import shared_classifier


@pytest.fixture(scope="module")
def clf() -> LexiconClassifier:
    return shared_classifier()


def test_lexicon_classifier_implements_the_classifier_port(clf: LexiconClassifier) -> None:
    port: Classifier = clf  # checked by mypy; at run time: the result type
    assert isinstance(port.classify("着火了", "119"), Classification)


# -- the hotline is a prior, not the answer --------------------------------------------


def test_call_to_110_about_a_fire_is_classified_fire(clf: LexiconClassifier) -> None:
    result = clf.classify("喂 我家隔壁房子起火了 火好大", "110")
    assert (result.category, result.emergency, result.priority) == ("fire", True, 1)
    assert "但内容属消防救援" in result.explanation


def test_call_to_12345_about_a_fight_is_police(clf: LexiconClassifier) -> None:
    assert clf.classify("楼下有两伙人在打架 有人头都打破了", "12345").category == "police"


def test_call_to_120_about_a_collision_with_injured_is_traffic(clf: LexiconClassifier) -> None:
    result = clf.classify("我们这里出车祸了 两个人受伤 快派救护车", "120")
    assert (result.category, result.subtype, result.emergency) == (
        "traffic",
        "collision_injury",
        True,
    )


def test_hotline_decides_when_the_text_names_nothing(clf: LexiconClassifier) -> None:
    result = clf.classify("喂 喂 你们快点来", "119")
    assert result.category == "fire"
    assert "按拨打的119归类" in result.explanation


def test_nothing_recognised_and_no_hotline_is_left_for_a_person(
    clf: LexiconClassifier,
) -> None:
    result = clf.classify("你好，在吗", None)
    assert result.category == "government"
    assert not result.emergency
    assert "待人工确认" in result.explanation


def test_the_number_dialled_repeated_in_the_text_is_not_extra_evidence(
    clf: LexiconClassifier,
) -> None:
    # "喂 120吗" says which line was dialled, nothing about the incident.
    assert clf.classify("喂 120吗 我们这里房子着火了", "120").category == "fire"


# -- negation --------------------------------------------------------------------------


def test_negated_injury_makes_a_scrape_a_non_urgent_collision(clf: LexiconClassifier) -> None:
    result = clf.classify("我在路口跟一个车刮了一下 没有人受伤 要交警来处理一下", "110")
    assert (result.category, result.subtype, result.emergency) == ("traffic", "collision", False)
    assert result.priority == 2
    assert "已否定「受伤」" in result.explanation
    assert all(word != "受伤" for word, _s, _e in result.keywords)


def test_the_same_collision_with_someone_hurt_is_upgraded_and_urgent(
    clf: LexiconClassifier,
) -> None:
    result = clf.classify("我在路口跟一个车刮了一下 有人受伤了", "110")
    assert (result.subtype, result.emergency, result.priority) == ("collision_injury", True, 1)


def test_no_fire_but_a_gas_smell_is_a_gas_leak(clf: LexiconClassifier) -> None:
    result = clf.classify("我们这边没有着火 就是闻到一股煤气味", "119")
    assert (result.category, result.subtype, result.emergency) == ("fire", "gas_leak", True)


def test_negation_reaches_only_the_word_right_after_it(clf: LexiconClassifier) -> None:
    # 没 belongs to 发货 (not a keyword); 联系不上 is still evidence of the scam.
    result = clf.classify("网上说低价卖手机 我付了钱就没发货 人也联系不上", None)
    assert any(word == "联系不上" for word, _s, _e in result.keywords)


def test_a_quarrel_that_has_not_come_to_blows_goes_to_mediation(
    clf: LexiconClassifier,
) -> None:
    result = clf.classify("我们两家人为了放水的事吵起来了 还没动手 想找人来劝一下", "110")
    assert (result.category, result.emergency) == ("government", False)


def test_question_form_with_a_negation_inside_is_not_a_negation(
    clf: LexiconClassifier,
) -> None:
    result = clf.classify("出车祸了 你们看有没有人受伤 快来", "122")
    assert (result.subtype, result.emergency) == ("collision_injury", True)


# -- urgency over time -----------------------------------------------------------------


def test_fire_already_put_out_is_a_follow_up_not_an_alarm(clf: LexiconClassifier) -> None:
    result = clf.classify("刚才厨房起了点火 已经扑灭了 想问一下要不要你们来看看", "119")
    assert (result.category, result.emergency) == ("fire", False)


def test_theft_discovered_this_morning_is_not_an_emergency(clf: LexiconClassifier) -> None:
    result = clf.classify("我的电动车昨天晚上停在楼下 今天早上就被偷了", "110")
    assert (result.category, result.subtype, result.emergency) == ("police", "theft", False)
    assert result.priority == 2


def test_theft_in_progress_is_an_emergency(clf: LexiconClassifier) -> None:
    result = clf.classify("有个小偷正在撬我隔壁家的门 人还在那里", "110")
    assert (result.subtype, result.emergency, result.priority) == ("theft", True, 1)


def test_a_fight_last_week_is_reported_not_dispatched(clf: LexiconClassifier) -> None:
    result = clf.classify("上个星期有人把我打了 想问一下案子的进度", "110")
    assert (result.category, result.emergency) == ("police", False)


def test_a_fight_that_is_still_going_on_overrides_the_habit(clf: LexiconClassifier) -> None:
    result = clf.classify("隔壁家男的天天打老婆 现在又在打", "110")
    assert (result.subtype, result.emergency) == ("domestic_violence", True)


def test_a_question_about_papers_has_priority_4(clf: LexiconClassifier) -> None:
    result = clf.classify("我想咨询一下 户口迁移需要带什么材料", "12345")
    assert (result.category, result.subtype, result.priority) == (
        "government",
        "consultation",
        4,
    )


# -- Guizhou speech --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "category", "subtype"),
    [
        ("寨子头有人打捶 打得头破血流", "police", "fight"),
        ("我屋头的鸡遭偷了十几只", "police", "theft"),
        ("我在路上遭两个人抢了", "police", "robbery"),
        ("我家娃儿不见了 到处都找不到", "police", "missing_person"),
        ("我家老者昏过去了 喊不醒", "medical", "unconscious"),
        ("我们村莫得电了 好几个小时了", "government", "power_outage"),
    ],
)
def test_guizhou_words_are_understood(
    clf: LexiconClassifier, text: str, category: str, subtype: str
) -> None:
    result = clf.classify(text, None)
    assert (result.category, result.subtype) == (category, subtype)


def test_guizhou_negation_莫得_cancels_the_injury(clf: LexiconClassifier) -> None:
    result = clf.classify("两个车刮到了 莫得人受伤", "122")
    assert (result.subtype, result.emergency) == ("collision", False)


def test_恼火_means_troublesome_not_a_fire(clf: LexiconClassifier) -> None:
    assert clf.classify("这个事情好恼火哦 我想问一下社保怎么交", None).category == "government"


# -- recogniser homophones -------------------------------------------------------------


def test_homophone_着伙_is_heard_as_着火(clf: LexiconClassifier) -> None:
    text = "着伙了 着伙了 快来"
    result = clf.classify(text, "119")
    assert (result.category, result.emergency) == ("fire", True)
    word, start, end = result.keywords[0]
    assert (word, text[start:end]) == ("着火", "着伙")
    assert "「着伙」按「着火」" in result.explanation


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("就命啊 快来人", "police"),
        ("有人抢结 就在银行门口", "police"),
        ("我老公家爆我", "police"),
        ("喂 我家失伙了", "fire"),
        ("有人喝了农要", "medical"),
    ],
)
def test_recogniser_homophones_still_classify(
    clf: LexiconClassifier, text: str, category: str
) -> None:
    assert clf.classify(text, None).category == category


def test_everyday_words_that_sound_like_alarms_raise_none(clf: LexiconClassifier) -> None:
    # 大家 sounds like 打架, 看到 like 砍到, 敲门 like 撬门: none of them is an alarm.
    result = clf.classify("大家看到有人敲门 想问一下是哪个", None)
    assert result.category == "government"
    assert not result.emergency


# -- output ----------------------------------------------------------------------------


def test_keyword_spans_point_into_the_original_text(clf: LexiconClassifier) -> None:
    text = "樓下 的 餐館 著火了，煙很大！"
    result = clf.classify(text, None)
    spans = {word: text[s:e] for word, s, e in result.keywords}
    assert spans["着火"] == "著火"
    assert spans["烟很大"] == "煙很大"


def test_explanation_is_short_chinese_naming_category_subtype_and_evidence(
    clf: LexiconClassifier,
) -> None:
    result = clf.classify("我爸突然晕倒了 叫不醒", "120")
    assert result.explanation.startswith("医疗急救·昏迷晕倒")
    assert "「晕倒」" in result.explanation
    assert len(result.explanation) < 80


def test_classifying_is_repeatable(clf: LexiconClassifier) -> None:
    text = "喂 车子撞了 有人在流雪"
    assert clf.classify(text, "110") == clf.classify(text, "110")


_PIECES = st.sampled_from(
    [
        "着火",
        "着伙",
        "没有",
        "受伤",
        "洪水",
        "镇",
        "钟山",
        "樓",
        "Ｂ",
        " ",
        "，",
        "喂",
        "打架",
        "\x00",
        "😀",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join), st.sampled_from([None, "110", "119", "999"]))
def test_any_text_gets_a_valid_classification_with_spans_inside_it(
    text: str, hotline: str | None
) -> None:
    result = shared_classifier().classify(text, hotline)
    assert result.category in {"police", "fire", "medical", "traffic", "consumer", "government"}
    assert 1 <= result.priority <= 4
    assert result.priority == 1 or not result.emergency
    for _word, start, end in result.keywords:
        assert 0 <= start < end <= len(text)
