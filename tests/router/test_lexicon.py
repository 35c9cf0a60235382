"""Lexicons as data: loading, validation, dialect expansion, sound-alike matching."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import pytest

from router.errors import LexiconError
from router.fuzzy import FuzzyMatcher, PinyinEncoder, PinyinRules
from router.lexicon import Lexicon, TermKind, TownEntry, load_lexicon

from .lexicon_support import shared_classifier

TOWNS = [TownEntry("钟山镇", ("钟山",)), TownEntry("洪水镇", ("洪水",))]


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return shared_classifier().lexicon


@pytest.fixture
def lexicon_dir(tmp_path: Path) -> Path:
    source = resources.files("router") / "data" / "zh"
    target = tmp_path / "zh"
    target.mkdir()
    for item in source.iterdir():
        if item.name.endswith(".yaml"):
            (target / item.name).write_text(item.read_text(encoding="utf-8"), encoding="utf-8")
    return target


def test_every_category_has_hotline_prior_default_subtype_and_keywords(lexicon: Lexicon) -> None:
    assert set(lexicon.categories) == {
        "police",
        "fire",
        "medical",
        "traffic",
        "consumer",
        "government",
    }
    assert {p.category for p in lexicon.hotlines.values()} == set(lexicon.categories)
    for spec in lexicon.subtypes.values():
        assert 1 <= spec.priority <= 4
    with_keywords = {
        t.subtype for roles in lexicon.terms.values() for t in roles if t.kind is TermKind.keyword
    }
    catch_alls = {c.default_subtype for c in lexicon.categories.values()}
    assert set(lexicon.subtypes) - catch_alls <= with_keywords


def test_guizhou_forms_are_generated_from_standard_words(lexicon: Lexicon) -> None:
    assert any(t.source == "被偷" for t in lexicon.terms["遭偷"])
    assert any(t.kind is TermKind.negation for t in lexicon.terms["莫得"])
    assert any(t.subtype == "missing_person" for t in lexicon.terms["娃儿不见了"])


def test_no_stop_word_is_also_a_keyword_by_accident(lexicon: Lexicon) -> None:
    for word, roles in lexicon.terms.items():
        kinds = {r.kind for r in roles}
        assert not (TermKind.stop in kinds and TermKind.keyword in kinds), word


def test_a_copy_of_the_shipped_lexicon_loads_from_any_directory(lexicon_dir: Path) -> None:
    lex = load_lexicon(towns=TOWNS, root=lexicon_dir)
    assert "洪水" in lex.terms
    assert lex.subtypes["building_fire"].category == "fire"


def test_a_repeated_weight_group_is_an_error_not_a_silent_loss(lexicon_dir: Path) -> None:
    path = lexicon_dir / "fire.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('  1: ["119"]', '  1: ["119"]\n  1: [救火车]'), encoding="utf-8")
    with pytest.raises(LexiconError, match="repeated key"):
        load_lexicon(towns=TOWNS, root=lexicon_dir)


def test_an_unknown_cue_class_in_a_rule_is_rejected(lexicon_dir: Path) -> None:
    path = lexicon_dir / "police.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("escalate_on: [ongoing]", "escalate_on: [sunset]", 1), encoding="utf-8"
    )
    with pytest.raises(LexiconError, match="unknown cue"):
        load_lexicon(towns=TOWNS, root=lexicon_dir)


def test_a_missing_file_is_reported_by_name(lexicon_dir: Path) -> None:
    shutil.copy(lexicon_dir / "towns.yaml", lexicon_dir / "towns.bak")
    (lexicon_dir / "towns.yaml").unlink()
    with pytest.raises(LexiconError, match=r"towns\.yaml"):
        load_lexicon(towns=TOWNS, root=lexicon_dir)


# -- sound-alike matching --------------------------------------------------------------

RULES = PinyinRules({"zh": "z", "ch": "c", "sh": "s", "n": "l"}, {"ing": "in", "eng": "en"})


def test_pinyin_mergers_fold_guizhou_confusions() -> None:
    assert RULES.merge("zhong") == "zong"
    assert RULES.merge("nan") == "lan"
    assert RULES.merge("ping") == "pin"
    assert RULES.merge("ngai") == "ngai"  # not an n- initial


def test_sound_alike_keeping_one_character_is_found_with_its_span() -> None:
    matcher = FuzzyMatcher({"着火": "fire", "救命": "help"}, PinyinEncoder(RULES))
    hits = matcher.find("喂着伙了就命")
    assert [(h.word, h.heard, h.start, h.end) for h in hits] == [
        ("着火", "着伙", 1, 3),
        ("救命", "就命", 4, 6),
    ]


def test_sound_alike_sharing_no_character_or_only_a_particle_is_rejected() -> None:
    matcher = FuzzyMatcher(
        {"打架": "fight", "抢了": "robbery"}, PinyinEncoder(RULES), weak_chars="了"
    )
    assert matcher.find("大家好 墙了") == []


def test_a_listed_everyday_word_is_never_a_sound_alike() -> None:
    matcher = FuzzyMatcher({"砍到": "injury"}, PinyinEncoder(RULES), stop=["看到"])
    assert matcher.find("我看到了") == []


def test_polyphonic_characters_match_in_every_reading() -> None:
    encoder = PinyinEncoder(RULES)
    # 着 reads zhe, zhao or zhuo; the recogniser's 着 (zhe) must still reach 着火 (zháo).
    assert encoder.encode("着伙") in encoder.word_keys("着火")
