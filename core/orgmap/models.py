"""Pure vocabulary of the org map: unit kinds, roles, place kinds, a located point.

No I/O and no ORM here; the values are the strings stored in ``units.kind``,
``units.subkind``, ``people.role`` and ``places.kind``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class UnitKind(StrEnum):
    """The three levels of R1 (center → township → village) plus departments and grids."""

    # The city 110 social linkage center (root of the tree). The member shadows
    # ``str.center``; the value is what the database stores, so the name stays.
    center = "center"  # type: ignore[assignment]
    department = "department"  # city departments and utilities that act on instructions
    township = "township"  # township/street governance center (综治中心)
    village = "village"  # village or urban community service window
    grid = "grid"  # 3–5 village groups, the unit of work of one grid worker


class TownshipKind(StrEnum):
    street = "street"  # 街道
    town = "town"  # 镇
    ethnic_township = "ethnic_township"  # 民族乡


class PersonRole(StrEnum):
    call_taker = "call_taker"
    dispatcher = "dispatcher"
    duty_officer = "duty_officer"  # a tier-1 unit's cadre stationed in the center (R8)
    unit_head = "unit_head"  # first push of the accountability chain (R12)
    deputy_mayor = "deputy_mayor"  # second push: the vice mayor in charge
    mayor = "mayor"  # third push, together with the party secretary
    party_secretary = "party_secretary"
    grid_worker = "grid_worker"
    grid_assistant = "grid_assistant"
    unit_staff = "unit_staff"


class PlaceKind(StrEnum):
    """Gazetteer entry kinds; the kinds after ``village`` are landmarks."""

    township = "township"
    village = "village"
    address = "address"
    government = "government"
    police = "police"
    school = "school"
    hospital = "hospital"
    market = "market"
    transport = "transport"
    bridge = "bridge"
    scenic = "scenic"


LANDMARK_KINDS: frozenset[PlaceKind] = frozenset(PlaceKind) - {
    PlaceKind.township,
    PlaceKind.village,
    PlaceKind.address,
}


# Not frozen: queue.processor's ``Placed`` protocol declares plain (settable)
# attributes, which a frozen dataclass does not satisfy. Treat it as a value anyway.
@dataclass(frozen=True, slots=True)
class Placement:
    """Where a point falls in the unit tree: grid → village → township."""

    township_id: int
    township_name: str
    village_id: int
    village_name: str
    grid_id: int
    grid_code: str
