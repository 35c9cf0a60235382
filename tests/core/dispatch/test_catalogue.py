"""The dispatch catalogue (派单目录): routes and limits per category, subtype and place."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from core.dispatch.catalogue import Catalogue, Target, TargetKind, default_catalogue
from core.orgmap.qianxi import DEPARTMENTS
from core.worktime.calendar import Limit

CAT = default_catalogue()
POLICE = Target(TargetKind.department, "QX-D01")


@pytest.mark.parametrize(
    "subtype", [None, "theft", "fight", "fraud", "missing_person", "domestic_violence", "new"]
)
def test_every_police_matter_goes_straight_to_the_police_command_center(
    subtype: str | None,
) -> None:
    route = CAT.route("police", subtype, "town", emergency=False)
    assert route is not None and route.lead == POLICE


@pytest.mark.parametrize("category", ["fire", "medical", "traffic", "police"])
def test_emergencies_must_be_acknowledged_within_one_minute(category: str) -> None:
    route = CAT.route(category, None, None, emergency=True)
    assert route is not None and route.ack == Limit.parse("1 minute")


def test_an_emergency_flag_overrides_a_working_time_acknowledge_limit() -> None:
    route = CAT.route("government", "landslide_risk", "town", emergency=True)
    assert route is not None and route.ack == Limit.parse("1 minute")


def test_12345_consultations_take_one_working_day_and_complaints_ten() -> None:
    consult = CAT.route("government", "consultation", "street", emergency=False)
    complaint = CAT.route("government", "complaint", "street", emergency=False)
    consumer = CAT.route("consumer", "fake_goods", None, emergency=False)
    assert consult is not None and consult.done == Limit.parse("1 working_day")
    assert complaint is not None and complaint.done == Limit.parse("10 working_days")
    assert consumer is not None and consumer.done == Limit.parse("10 working_days")
    assert consumer.lead == Target(TargetKind.department, "QX-D05")


def test_the_place_decides_between_a_utility_and_the_township() -> None:
    urban = CAT.route("government", "water_outage", "street", emergency=False)
    rural = CAT.route("government", "water_outage", "ethnic_township", emergency=False)
    assert urban is not None and urban.lead == Target(TargetKind.department, "QX-D09")
    assert rural is not None and rural.lead == Target(TargetKind.township)
    assert rural.fallback == "QX-D23"


def test_neighbour_disputes_go_straight_to_the_grid_worker_with_the_township_assisting() -> None:
    route = CAT.route("government", "neighbour_dispute", "town", emergency=False)
    assert route is not None and route.lead == Target(TargetKind.grid)
    assert Target(TargetKind.township) in route.assist and route.fallback


def test_an_unknown_subtype_falls_back_to_its_category_and_an_unknown_category_to_a_human() -> None:
    route = CAT.route("fire", "something_new", None, emergency=False)
    assert route is not None and route.rule_id == "fire"
    assert CAT.route(None, None, None, emergency=False) is None
    assert CAT.route("weather", None, None, emergency=False) is None


def test_grace_defaults_to_the_acknowledge_limit() -> None:
    route = CAT.route("medical", "chest_pain", None, emergency=False)
    assert route is not None
    assert route.ack_grace == route.ack
    assert route.done_grace == Limit.parse("10 minutes")


def test_every_department_the_catalogue_names_exists_in_the_org_map() -> None:
    known = {d.code for d in DEPARTMENTS}
    assert CAT.department_codes() <= known


@pytest.mark.parametrize(
    ("reason", "valid"),
    [
        ("非本单位职责，应由供电局处理", True),
        ("地址错误，不在本辖区", True),
        ("重复 工单", True),
        ("人手不够", False),
        ("", False),
        (None, False),
    ],
)
def test_only_reasons_the_work_plan_accepts_make_a_return_valid(
    reason: str | None, valid: bool
) -> None:
    assert CAT.return_reason_valid(reason) is valid


def _rules(*rules: dict[str, object]) -> dict[str, object]:
    return {"emergency_ack": "1 minute", "rules": list(rules)}


CATCH_ALL = {"id": "p", "category": "police", "lead": "QX-D01", "ack": "1 minute", "done": "1 hour"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_rules({**CATCH_ALL, "subtype": "theft"}), "catch-all"),
        (_rules(CATCH_ALL, {**CATCH_ALL, "id": "q"}), "overlap"),
        (_rules(CATCH_ALL, CATCH_ALL), "duplicate"),
        (_rules({**CATCH_ALL, "lead": "township"}), "fallback"),
        (_rules({**CATCH_ALL, "id": "m", "places": ["moon"]}, CATCH_ALL), "place"),
    ],
)
def test_a_broken_catalogue_is_refused_at_load(data: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Catalogue.from_mapping(data)


def test_every_subtype_the_catalogue_names_is_one_the_classifier_can_emit() -> None:
    # The lexicons are the classifier's vocabulary; a rule for a subtype nobody emits
    # would silently never apply.
    lexicons = Path(__file__).parents[3] / "router" / "data" / "zh"
    emitted: dict[str, set[str]] = {}
    for path in lexicons.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "subtypes" in data:
            emitted[path.stem] = set(data["subtypes"])
    assert emitted, "no classifier lexicons in router/data/zh"
    for rule in CAT.rules:
        if rule.subtype is not None:
            assert rule.subtype in emitted.get(rule.category, set()), rule.id
