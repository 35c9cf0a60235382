"""The IVR engine alone: caller events in, channel commands out (no Asterisk)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from core.cases.models import CaseState
from core.worktime.calendar import default_calendar
from ivr.errors import FlowInvalid
from ivr.flows import DATA, Result, load_flows, parse_flows
from ivr.ports import CallInfo
from ivr.service import MAX_STEPS, IvrService, case_number_from_dtmf
from ivr.settings import IvrSettings
from telephony.fastagi.ivr_backend import CalendarHours
from tests.ivr.fakes import Digits, FixedHours, HangUp, Key, MemoryBackend, ScriptedChannel, Timeout

pytestmark = pytest.mark.anyio

CALLER = "13800001234"
NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)  # 11:00 in Qianxi, a Thursday


def engine(
    backend: MemoryBackend | None = None, *, open_: bool = True, overflow: int = 30
) -> tuple[IvrService, MemoryBackend, FixedHours]:
    backend = backend or MemoryBackend()
    hours = FixedHours(open_)
    service = IvrService(
        load_flows(),
        backend,
        hours,
        IvrSettings(overflow_backlog=overflow),
        case_prefix="QX",
        clock=lambda: NOW,
    )
    return service, backend, hours


async def call(
    service: IvrService, *events: Key | Digits | Timeout | HangUp, hotline: str = "12345"
) -> tuple[Result, ScriptedChannel, str | None]:
    ch = ScriptedChannel(events)
    outcome = await service.run(ch, CallInfo(hotline, CALLER, "1700000000.1"))
    return outcome.result, ch, outcome.category


@pytest.mark.parametrize("hotline", ["110", "119", "120", "122"])
async def test_emergency_lines_go_straight_to_the_queue_without_a_prompt(hotline: str) -> None:
    service, _, hours = engine()
    result, ch, _ = await call(service, hotline=hotline)
    assert result is Result.queue
    assert ch.played == []
    assert ch.variables == {"IVR_RESULT": "queue", "IVR_CATEGORY": ""}
    assert hours.asked == []  # no menu: nothing to decide


@pytest.mark.parametrize(
    ("hotline", "welcome", "category"),
    [
        ("12345", "ivr-welcome-12345", "consult_complaint"),
        ("12315", "ivr-welcome-12315", "consumer_complaint"),
    ],
)
async def test_key_1_queues_the_caller_with_a_category_hint(
    hotline: str, welcome: str, category: str
) -> None:
    service, _, _ = engine()
    result, ch, cat = await call(service, Key("1"), hotline=hotline)
    assert (result, cat) == (Result.queue, category)
    assert ch.commands[0] == ("play", welcome, "ivr-main-menu")
    assert ch.variables == {"IVR_RESULT": "queue", "IVR_CATEGORY": category}


async def test_key_pressed_after_the_prompt_is_read_with_the_menu_timeout() -> None:
    service, _, _ = engine()
    result, ch, _ = await call(service, Timeout(), Key("1"))
    assert result is Result.queue
    assert ("wait", "5.0") in ch.commands
    assert "ivr-no-input" in ch.played


async def test_status_enquiry_speaks_the_callers_own_case_in_mandarin() -> None:
    backend = MemoryBackend()
    backend.add_case("QX-20261126-00123", CaseState.dispatched, CALLER)
    service, _, _ = engine(backend)
    result, ch, _ = await call(service, Key("2"), Digits("2026112600123"), Timeout(), Timeout())
    assert result is Result.status_done
    i = ch.commands.index(("read", "ivr-status-enter", "16"))
    assert ch.commands[i + 1 : i + 4] == [
        ("play", "ivr-status-case"),
        ("say", "2026112600123"),
        ("play", "ivr-state-dispatched"),
    ]
    assert ch.played[-1] == "ivr-goodbye"
    assert backend.enquiries == [(CALLER, "QX-20261126-00123", True)]


async def test_outcome_names_the_cases_whose_status_the_caller_heard() -> None:
    backend = MemoryBackend()
    backend.add_case("QX-20261126-00123", CaseState.dispatched, CALLER)
    service, _, _ = engine(backend)
    # A found case, then an unknown one, then the caller hangs up: only the found one
    # counts as served (the call is resolved by the menu, not called back).
    ch = ScriptedChannel([Key("2"), Digits("2026112600123"), Key("2"), Digits("2026112600999")])
    outcome = await service.run(ch, CallInfo("12345", CALLER, "1700000000.2"))
    assert outcome.result is Result.hangup
    assert outcome.enquired == ("QX-20261126-00123",)
    ch = ScriptedChannel([Key("2"), Digits("2026112600999")])
    nothing = await service.run(ch, CallInfo("12345", CALLER, "1700000000.3"))
    assert (nothing.result, nothing.enquired) == (Result.hangup, ())


async def test_status_of_somebody_elses_case_gets_the_same_answer_as_an_unknown_one() -> None:
    backend = MemoryBackend()
    backend.add_case("QX-20261126-00123", CaseState.completed, "13999999999")
    service, _, _ = engine(backend)
    _, other, _ = await call(service, Key("2"), Digits("2026112600123"), HangUp())
    _, unknown, _ = await call(service, Key("2"), Digits("2026112600999"), HangUp())
    for ch in (other, unknown):
        assert "ivr-status-not-found" in ch.played
        assert not any(c[0] == "say" for c in ch.commands)
        assert not any(p.startswith("ivr-state-") for p in ch.played)
    assert [found for *_, found in backend.enquiries] == [False, False]


async def test_merged_case_status_names_both_states() -> None:
    backend = MemoryBackend()
    backend.add_case("QX-20261126-00001", CaseState.in_progress, "x")
    backend.add_case("QX-20261126-00002", CaseState.merged, CALLER, merged_into="QX-20261126-00001")
    service, _, _ = engine(backend)
    _, ch, _ = await call(service, Key("2"), Digits("202611262"), HangUp())
    assert ("play", "ivr-state-merged", "ivr-state-in_progress") in ch.commands


async def test_a_malformed_case_number_is_asked_again_then_back_to_the_menu() -> None:
    service, backend, _ = engine()
    result, ch, _ = await call(
        service, Key("2"), Digits("123"), Timeout(), Digits("20261340001"), Key("1")
    )
    assert ch.played.count("ivr-status-bad-number") == 2
    assert backend.enquiries == []
    assert result is Result.queue  # back in the main menu, 1 still works


async def test_key_unhandled_by_the_sub_menu_bubbles_to_the_main_menu() -> None:
    backend = MemoryBackend()
    backend.add_case("QX-20261126-00123", CaseState.received, CALLER)
    service, _, _ = engine(backend)
    # After the status, "status-after" is on top; it has no 9: the main menu books it.
    result, ch, cat = await call(service, Key("2"), Digits("2026112600123"), Key("9"))
    assert (result, cat) == (Result.callback, "consult_complaint")
    assert len(backend.callbacks) == 1
    assert ch.played[-1] == "ivr-callback-ok"


async def test_star_in_the_sub_menu_goes_back_to_the_main_menu() -> None:
    backend = MemoryBackend()
    backend.add_case("QX-20261126-00123", CaseState.received, CALLER)
    service, _, _ = engine(backend)
    result, ch, _ = await call(service, Key("2"), Digits("2026112600123"), Key("*"), Key("1"))
    assert result is Result.queue
    menus = [c for c in ch.commands if c[:2] == ("play", "ivr-welcome-12345")]
    assert len(menus) == 2  # the main menu was played again after "*"


async def test_another_enquiry_from_the_sub_menu_does_not_stack_it_twice() -> None:
    backend = MemoryBackend()
    backend.add_case("QX-20261126-00123", CaseState.received, CALLER)
    service, _, _ = engine(backend)
    result, _, _ = await call(
        service,
        Key("2"),
        Digits("2026112600123"),
        Key("2"),
        Digits("2026112600123"),
        Key("*"),  # one "*" is enough to be back in the main menu
        Key("1"),
    )
    assert result is Result.queue
    assert len(backend.enquiries) == 2


async def test_key_9_books_a_call_back_item() -> None:
    service, backend, _ = engine()
    result, ch, _ = await call(service, Key("9"))
    assert result is Result.callback
    [(info, category)] = backend.callbacks
    assert (info.caller, info.hotline, category) == (CALLER, "12345", "consult_complaint")
    assert ch.variables["IVR_RESULT"] == "callback"


async def test_call_back_that_cannot_be_booked_sends_the_caller_to_a_person() -> None:
    service, _, _ = engine(MemoryBackend(fail_callbacks=True))
    result, ch, _ = await call(service, Key("9"))
    assert result is Result.queue
    assert "ivr-callback-failed" in ch.played


async def test_0_repeats_the_menu_without_counting_as_a_failure() -> None:
    service, _, _ = engine()
    result, ch, _ = await call(service, Key("0"), Key("0"), Key("0"), Key("1"))
    assert result is Result.queue
    assert ch.played.count("ivr-main-menu") == 4
    assert "ivr-invalid" not in ch.played


async def test_three_invalid_keys_send_the_caller_to_a_person() -> None:
    service, _, _ = engine()
    result, ch, _ = await call(service, Key("7"), Key("#"), Key("5"))
    assert result is Result.queue
    assert ch.played.count("ivr-invalid") == 2
    assert ch.played[-1] == "ivr-to-agent"


async def test_three_timeouts_send_the_caller_to_a_person() -> None:
    service, _, _ = engine()
    result, ch, _ = await call(service, Timeout(), Timeout(), Timeout())
    assert result is Result.queue
    assert ch.played.count("ivr-no-input") == 2
    assert ch.played[-1] == "ivr-to-agent"


async def test_a_key_pressed_during_the_error_prompt_counts() -> None:
    service, _, _ = engine()
    result, ch, _ = await call(service, Timeout(), Timeout(), Key("9"))
    # Timeout, "no input", the menu again, timeout, "no input" interrupted by 9.
    assert result is Result.callback
    assert ch.played.count("ivr-main-menu") == 2
    assert ch.played[-2:] == ["ivr-no-input", "ivr-callback-ok"]


async def test_endless_repeats_are_cut_short() -> None:
    service, _, _ = engine()
    result, ch, _ = await call(service, *[Key("0")] * (MAX_STEPS + 5))
    assert result is Result.queue
    assert ch.played[-1] == "ivr-to-agent"


async def test_after_hours_offers_status_and_call_back() -> None:
    service, backend, hours = engine(open_=False)
    result, ch, cat = await call(service, Key("9"), hotline="12315")
    assert hours.asked == [("12315", NOW)]
    assert ch.commands[0] == ("play", "ivr-after-hours")
    assert (result, cat) == (Result.callback, "after_hours")
    assert len(backend.callbacks) == 1


async def test_after_hours_caller_who_cannot_choose_still_reaches_a_person() -> None:
    service, _, _ = engine(open_=False)
    result, _, cat = await call(service, Timeout(), Timeout(), Timeout())
    assert (result, cat) == (Result.queue, "after_hours")


async def test_queue_overflow_offers_a_call_back_instead_of_waiting() -> None:
    service, _, _ = engine(MemoryBackend(queue_backlog=31), overflow=30)
    result, ch, cat = await call(service, Key("9"))
    assert ch.commands[0] == ("play", "ivr-overflow")
    assert (result, cat) == (Result.callback, "overflow")
    waited, _, _ = await call(service, Key("1"))
    assert waited is Result.queue


async def test_backlog_at_the_limit_is_not_an_overflow() -> None:
    service, _, _ = engine(MemoryBackend(queue_backlog=30), overflow=30)
    _, ch, _ = await call(service, Key("1"))
    assert ch.commands[0] == ("play", "ivr-welcome-12345", "ivr-main-menu")


async def test_caller_hanging_up_mid_menu_ends_with_hangup_and_sets_nothing() -> None:
    service, backend, _ = engine()
    result, ch, _ = await call(service, Key("2"), HangUp())
    assert result is Result.hangup
    assert ch.variables == {}
    assert backend.callbacks == []


@pytest.mark.parametrize(
    ("digits", "number"),
    [
        ("2026112600123", "QX-20261126-00123"),
        ("20261126123", "QX-20261126-00123"),
        ("2026112600123#", "QX-20261126-00123"),
        ("202611261234567", "QX-20261126-1234567"),
        ("2026112600000", None),
        ("20261326001", None),
        ("2026112", None),
        ("", None),
        ("2026*11260001", None),
    ],
)
def test_dtmf_form_of_case_numbers(digits: str, number: str | None) -> None:
    assert case_number_from_dtmf(digits, "QX") == number


def _flows() -> dict[str, object]:
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (lambda d: d["menus"]["main-12345"]["prompts"].append("no-such-prompt"), "unknown prompt"),
        (lambda d: d["menus"]["main-12345"]["keys"].update({"A": {"do": "repeat"}}), "DTMF"),
        (lambda d: d["menus"]["main-12345"]["keys"].update({"12": {"do": "repeat"}}), "DTMF"),
        (lambda d: d["hotlines"]["12345"].update({"menu": "missing"}), "no menu"),
        (lambda d: d["hotlines"].update({"999": {}}), "unknown hotline"),
        (lambda d: d["menus"]["main-12345"]["keys"].update({"3": {"do": "fly"}}), "keys.3"),
        (lambda d: d["menus"]["overflow"].update({"on_fail": {"do": "repeat"}}), "must end"),
        (lambda d: d["menus"]["main-12345"]["keys"]["2"].update({"then": "x"}), "no menu"),
    ],
)
def test_a_broken_flow_is_refused_at_load_naming_the_place(change: object, complaint: str) -> None:
    data = _flows()
    assert callable(change)
    change(data)
    with pytest.raises(FlowInvalid) as err:
        parse_flows(data, "test")
    assert err.value.error_id == "ivr-flow-invalid"
    assert complaint in err.value.message


def test_an_unreadable_flow_file_is_a_typed_error(tmp_path: Path) -> None:
    bad = tmp_path / "flows.yaml"
    bad.write_text("menus: [", encoding="utf-8")
    with pytest.raises(FlowInvalid):
        load_flows(bad)


@pytest.mark.parametrize(
    ("hotline", "local", "staffed"),
    [
        ("12345", datetime(2026, 11, 26, 11, 0), True),  # Thursday morning
        ("12345", datetime(2026, 11, 26, 12, 30), True),  # lunch: the center covers it
        ("12345", datetime(2026, 11, 26, 22, 0), False),  # night
        ("12315", datetime(2026, 11, 28, 10, 0), False),  # Saturday
        ("12345", datetime(2026, 10, 1, 10, 0), False),  # National Day
        ("110", datetime(2026, 11, 28, 3, 0), True),  # always staffed
    ],
)
def test_staffed_hours_follow_the_working_day_calendar(
    hotline: str, local: datetime, staffed: bool
) -> None:
    hours = CalendarHours(default_calendar(), IvrSettings().hours)
    at = local.replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    assert hours.is_open(hotline, at) is staffed
