"""Demo people: leaders, center staff, department duty rosters, township and grid staff."""

from __future__ import annotations

import random

from core.orgmap import qianxi
from core.orgmap.demo_common import NameMaker, PersonSpec, PhoneBook, UnitSpec, apportion
from core.orgmap.models import PersonRole, TownshipKind, UnitKind

CALL_TAKERS = 20
DISPATCHERS = 4
# Tier-1 units rotate the cadre stationed in the center (R8); the others keep a duty roster.
TIER1_DUTY_OFFICERS = 3
OTHER_DUTY_OFFICERS = 2
# Who grid workers and assistants are, per the Qianxi model (R1/R3).
_GRID_WORKER_TITLES = ("网格员（驻村干部）", "网格员（村两委成员）")
_ASSISTANT_TITLES = ("网格协管员（村民小组长）", "网格协管员（联户长）", "网格协管员（综治协理员）",
                     "网格协管员（护寨保洁员）")  # fmt: skip


def build_people(
    units: list[UnitSpec], rng: random.Random, names: NameMaker, phones: PhoneBook
) -> list[PersonSpec]:
    people: list[PersonSpec] = []

    def add(role: PersonRole, unit_code: str, title: str) -> None:
        people.append(PersonSpec(names.person(), role, unit_code, phones.mobile(), title))

    center = qianxi.CITY_CODE
    # Third push of the accountability chain (R12) goes to both of these.
    add(PersonRole.party_secretary, center, "市委书记")
    add(PersonRole.mayor, center, "市长")
    # Second push: the deputy mayor holding the department's portfolio (see qianxi.py).
    for portfolio in qianxi.PORTFOLIOS:
        label = "常务副市长" if portfolio == "政务服务" else "副市长"
        add(PersonRole.deputy_mayor, center, f"{label}（分管{portfolio}）")
    add(PersonRole.unit_head, center, "市110社会联动中心主任")
    for _ in range(CALL_TAKERS):
        add(PersonRole.call_taker, center, "接警员")
    for _ in range(DISPATCHERS):
        add(PersonRole.dispatcher, center, "调度员")

    grids = [u for u in units if u.kind == UnitKind.grid]
    for unit in units:
        if unit.kind == UnitKind.department:
            add(PersonRole.unit_head, unit.code, "主要负责人")
            if unit.tier == 1:
                for _ in range(TIER1_DUTY_OFFICERS):
                    add(PersonRole.duty_officer, unit.code, "驻中心值班科级干部")
            else:
                for _ in range(OTHER_DUTY_OFFICERS):
                    add(PersonRole.duty_officer, unit.code, f"{unit.duty_hours}小时值班员")
        elif unit.kind == UnitKind.township:
            # "1+N": the party (working) committee secretary directs the governance center.
            committee = "党工委" if unit.subkind == TownshipKind.street else "党委"
            add(PersonRole.unit_head, unit.code, f"{committee}书记、综治中心主任")
            for title in ("综治中心副主任", "综治中心副主任", "综治中心值班员", "综治中心值班员"):
                add(PersonRole.unit_staff, unit.code, title)
        elif unit.kind == UnitKind.village:
            add(PersonRole.unit_staff, unit.code, "综治服务窗口专干")

    for grid in grids:
        add(PersonRole.grid_worker, grid.code, rng.choice(_GRID_WORKER_TITLES))
    # One assistant per village group or so: 12,807 over 2,011 grids, at least 3 each.
    weights = [float(g.groups[1] - g.groups[0] + 1) if g.groups else 1.0 for g in grids]
    counts = apportion(qianxi.TOTAL_GRID_ASSISTANTS, weights, minimum=3)
    for grid, count in zip(grids, counts, strict=True):
        for _ in range(count):
            add(PersonRole.grid_assistant, grid.code, rng.choice(_ASSISTANT_TITLES))
    return people
