"""The citizen's evaluation (R10): ratings per stage, where a rating came from, and
reading a citizen's free-text reply as a rating. Pure vocabulary, no I/O.

Ratings follow the 12345 convention: 1 满意, 2 基本满意, 3 不满意. A rating has a
stage: ``overall`` (what an SMS reply "1" or the app's single score means) or one of
the four stages R10 analyses: 受理 (accept), 处置 (handle), 反馈 (feedback), 结案 (close).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import IntEnum, StrEnum


class Rating(IntEnum):
    satisfied = 1  # 满意
    basically = 2  # 基本满意
    dissatisfied = 3  # 不满意


RATING_LABELS = {
    Rating.satisfied: "满意",
    Rating.basically: "基本满意",
    Rating.dissatisfied: "不满意",
}


class Stage(StrEnum):
    overall = "overall"  # 总体
    accept = "accept"  # 受理
    handle = "handle"  # 处置
    feedback = "feedback"  # 反馈
    close = "close"  # 结案


STAGE_LABELS = {
    Stage.overall: "总体",
    Stage.accept: "受理",
    Stage.handle: "处置",
    Stage.feedback: "反馈",
    Stage.close: "结案",
}
# The four stages R10 analyses, in the order the IVR survey asks them.
STAGES = (Stage.accept, Stage.handle, Stage.feedback, Stage.close)


class Source(StrEnum):
    sms = "sms"
    wechat = "wechat"
    weibo = "weibo"
    app = "app"
    ivr = "ivr"  # the call-back survey
    followup = "followup"  # a staff follow-up call of the sample (回访抽查)
    staff = "staff"  # entered by a supervisor through the case API


def source_of(actor: str) -> Source:
    """Where an evaluation came from, read off the case log's actor
    (``sms:138…``, ``wechat:<openid>``, ``app:…``, ``ivr-survey`` …)."""
    head = actor.split(":", 1)[0].split("-", 1)[0]
    try:
        return Source(head)
    except ValueError:
        return Source.staff


# --- reading a citizen's free-text reply ----------------------------------------------
class ReplyKind(StrEnum):
    rating = "rating"  # a clear 1/2/3 or 满意/基本满意/不满意
    unclear = "unclear"  # short noise that may have been meant as a rating: ask again
    other = "other"  # ordinary text (a new report, a question): not a rating


@dataclass(frozen=True, slots=True)
class Reply:
    kind: ReplyKind
    rating: Rating | None = None


# Longer texts that merely contain 满意 are reports, not ratings ("对处理不满意，
# 路灯还是坏的，请再派人来看看" is both, and is taken as a rating only when short).
MAX_WORD_REPLY = 20
MAX_NOISE = 8
_WORDS = (
    ("不满意", Rating.dissatisfied),
    ("不太满意", Rating.dissatisfied),
    ("基本满意", Rating.basically),
    ("还算满意", Rating.basically),
    ("一般", Rating.basically),
    ("满意", Rating.satisfied),
)
_DIGITS = {"1": Rating.satisfied, "2": Rating.basically, "3": Rating.dissatisfied}
_CN_DIGITS = {"一": "1", "二": "2", "两": "2", "三": "3"}
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _word_rating(text: str) -> Rating | None:
    # 不满意 and 基本满意 both contain 满意: the first match in _WORDS order wins.
    for word, rating in _WORDS:
        if word in text:
            return rating
    return None


def parse_reply(raw: str) -> Reply:
    """Read an SMS/WeChat reply as a rating, tolerant of the noise people type:
    full-width digits (１), trailing words ("1满意谢谢"), punctuation ("不满意!!"),
    Chinese numerals (三). Two different answers in one reply ("1 不满意") are unclear.
    """
    text = unicodedata.normalize("NFKC", raw).strip()
    compact = _PUNCT.sub("", text)
    if not compact:
        return Reply(ReplyKind.unclear) if text else Reply(ReplyKind.other)
    if compact in _CN_DIGITS:  # "三" alone; not "一般" (so-so) or "一号楼"
        compact = _CN_DIGITS[compact]
    head = re.match(r"\d+", compact)
    word = _word_rating(compact) if len(compact) <= MAX_WORD_REPLY else None
    if head:
        digits = head.group(0)
        if len(digits) == 1 and digits in _DIGITS:
            rating = _DIGITS[digits]
            if word is not None and word is not rating:
                return Reply(ReplyKind.unclear)
            rest = compact[1:]
            # "1" / "1满意谢谢" / "1好的": a rating; "1号楼着火了" is a report.
            if len(rest) <= MAX_WORD_REPLY and (word is not None or len(rest) <= 4):
                return Reply(ReplyKind.rating, rating)
            return Reply(ReplyKind.other)
        return Reply(ReplyKind.unclear) if len(compact) <= MAX_NOISE else Reply(ReplyKind.other)
    if word is not None:
        return Reply(ReplyKind.rating, word)
    if len(compact) <= MAX_NOISE and not _CJK.search(compact):
        return Reply(ReplyKind.unclear)  # "abc", "4", "?x"
    return Reply(ReplyKind.other)
