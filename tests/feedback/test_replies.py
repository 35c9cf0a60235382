"""Reading a citizen's reply as a rating: tolerant of noise, firm about garbage."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from core.ratings.models import Rating, ReplyKind, parse_reply, source_of
from feedback.models import call_window, sample_key, sample_size

R = Rating


@pytest.mark.parametrize(
    ("text", "rating"),
    [
        ("1", R.satisfied),
        ("１", R.satisfied),  # full-width, as Chinese input methods type it
        (" 2 ", R.basically),
        ("3", R.dissatisfied),
        ("1满意谢谢", R.satisfied),
        ("1。", R.satisfied),
        ("1 好的", R.satisfied),
        ("满意", R.satisfied),
        ("非常满意！", R.satisfied),
        ("基本满意", R.basically),
        ("2基本满意", R.basically),
        ("不满意!!", R.dissatisfied),
        ("不太满意", R.dissatisfied),
        ("3 不满意，还没修好", R.dissatisfied),
        ("三", R.dissatisfied),
        ("一般", R.basically),
    ],
)
def test_ratings_are_read_through_noise(text: str, rating: Rating) -> None:
    reply = parse_reply(text)
    assert reply.kind is ReplyKind.rating and reply.rating is rating


@pytest.mark.parametrize("text", ["4", "0", "12", "abc", "?", "？？", "1不满意", "3满意", "  !! "])
def test_garbage_and_contradictions_are_unclear(text: str) -> None:
    assert parse_reply(text).kind is ReplyKind.unclear


@pytest.mark.parametrize(
    "text",
    [
        "",
        "锦星镇有人偷牛",
        "1号楼着火了，快来人啊，火很大",
        "110",  # a number people type when they want help, not a rating
        "对上次处理结果不满意，路灯还是坏的，请尽快再派人来看看",  # long: a new report
    ],
)
def test_reports_are_not_ratings(text: str) -> None:
    kind = parse_reply(text).kind
    assert kind is ReplyKind.other or (text == "110" and kind is ReplyKind.unclear)


def test_evaluation_sources_are_read_from_the_case_log_actor() -> None:
    assert source_of("sms:13800000000").value == "sms"
    assert source_of("ivr-survey:12").value == "ivr"
    assert source_of("wechat:oAbc").value == "wechat"
    assert source_of("leader").value == "staff"


def test_sample_is_deterministic_seedable_and_never_empty() -> None:
    numbers = [f"QX-20261001-{i:05d}" for i in range(1, 201)]
    pick = sorted(numbers, key=lambda n: sample_key(110, "2026-10", n))[:10]
    again = sorted(numbers, key=lambda n: sample_key(110, "2026-10", n))[:10]
    other = sorted(numbers, key=lambda n: sample_key(111, "2026-10", n))[:10]
    assert pick == again and pick != other
    assert sample_size(200, 0.05) == 10 and sample_size(3, 0.05) == 1 and sample_size(0, 0.5) == 0


def test_citizens_are_called_in_the_daytime_only() -> None:
    tz = ZoneInfo("Asia/Shanghai")
    noon = datetime(2026, 10, 10, 12, 0, tzinfo=tz)
    assert call_window(noon, tz, (8, 21)) == noon
    late = datetime(2026, 10, 10, 21, 0, tzinfo=tz)  # the end is excluded
    assert call_window(late, tz, (8, 21)) == datetime(2026, 10, 11, 8, 0, tzinfo=tz)
    early = datetime(2026, 10, 10, 3, 30, tzinfo=tz).astimezone(UTC)
    assert call_window(early, tz, (8, 21)) == datetime(2026, 10, 10, 8, 0, tzinfo=tz)
