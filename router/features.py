"""What the learned model sees of a contact (pure, and shared by training and use).

* character 1-, 2- and 3-grams of the **normalised** text (``router.normalize``: simplified
  characters, half width, no spaces, one clause mark, spoken digits, short repeats), so
  the model and the lexicon read the same text and 樓下著火 and 楼下着火 are one thing;
* the dialled hotline (``\\x01h:110``): a prior the model learns to weigh;
* the lexicon's cue classes found in the text, and the ones a negation cancelled
  (``\\x01c:past``, ``\\x01n:injury``): the lexicon knows 昨天 is "past" and 没有人受伤 is a
  cancelled injury; the model learns what they do to a category and to an emergency.

Words (jieba) were left out: char 2- and 3-grams cover Chinese words of one to three
characters, and segmenting costs more than everything else here together.

A text longer than ``MAX_MODEL_CHARS`` is seen by its beginning (a 12345 post states its
matter first); the lexicon still reads all of it.
"""

from __future__ import annotations

from collections.abc import Iterable

HOTLINE = "\x01h:"
CUE = "\x01c:"
NEGATED = "\x01n:"
LEXICON = "\x01l:"
RULE = "\x01r:"
MAX_MODEL_CHARS = 2000


def grams(text: str) -> list[str]:
    """Character 1-3-grams of an already normalised text, in text order."""
    t = text[:MAX_MODEL_CHARS]
    n = len(t)
    out = list(t)
    out += [t[i : i + 2] for i in range(n - 1)]
    out += [t[i : i + 3] for i in range(n - 2)]
    return out


def features(
    text: str,
    hotline: str | None,
    cues: Iterable[str] = (),
    negated: Iterable[str] = (),
    verdict: tuple[str | None, bool] | None = None,
) -> list[str]:
    """Every feature of one contact (duplicates kept: the model counts each once)."""
    return grams(text) + specials(hotline, cues, negated, verdict)


def specials(
    hotline: str | None,
    cues: Iterable[str] = (),
    negated: Iterable[str] = (),
    verdict: tuple[str | None, bool] | None = None,
) -> list[str]:
    """The features that are not n-grams: hotline, cues, the lexicon's verdict."""
    out = [CUE + c for c in cues]
    out += [NEGATED + c for c in negated]
    if hotline:
        out.append(HOTLINE + hotline)
    if verdict is not None:
        out += [LEXICON + str(verdict[0]), RULE + ("1" if verdict[1] else "0")]
    return out


def readable(feature: str) -> str:
    """How a feature is named in an explanation (拨打110, 线索:past, or the n-gram)."""
    if feature.startswith(HOTLINE):
        return "拨打" + feature[len(HOTLINE) :]
    if feature.startswith(CUE):
        return "线索:" + feature[len(CUE) :]
    if feature.startswith(NEGATED):
        return "否定:" + feature[len(NEGATED) :]
    if feature.startswith(LEXICON):
        return "词表判断"
    if feature.startswith(RULE):
        return "词表紧急规则"
    return feature
