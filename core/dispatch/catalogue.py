"""The dispatch catalogue (派单目录): who handles what, with which time limits (R6, R7).

Pure: the rules are data (``core/dispatch/data/catalogue.yaml``); :meth:`Catalogue.route`
maps a classified case (category, subtype, the kind of place it happened in,
emergency flag) to a :class:`Route` naming the lead unit, assisting units, a fallback
and the acknowledge/complete limits. Units are named abstractly (a department code,
"the township of the place", "the grid of the place"); the adapter that dispatches
turns them into unit ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from core.worktime.calendar import Limit

DATA = Path(__file__).parent / "data" / "catalogue.yaml"
PLACE_KINDS = frozenset({"street", "town", "ethnic_township"})


class TargetKind(StrEnum):
    department = "department"  # a city department or utility, by code
    township = "township"  # the governance center (综治中心) of the place's township
    grid = "grid"  # the grid worker of the place's grid


@dataclass(frozen=True, slots=True)
class Target:
    kind: TargetKind
    code: str | None = None  # department code for TargetKind.department

    @classmethod
    def parse(cls, text: str) -> Target:
        text = str(text).strip()
        if text in (TargetKind.township, TargetKind.grid):
            return cls(TargetKind(text))
        if not text:
            raise ValueError("empty unit reference in the catalogue")
        return cls(TargetKind.department, text)

    def __str__(self) -> str:
        return self.code if self.kind is TargetKind.department and self.code else self.kind.value


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    category: str
    subtype: str | None
    places: frozenset[str] | None
    lead: Target
    assist: tuple[Target, ...]
    fallback: str | None
    ack: Limit
    done: Limit
    grace: Limit | None

    def matches(self, category: str, subtype: str | None, place: str | None) -> bool:
        if self.category != category:
            return False
        if self.subtype is not None and self.subtype != subtype:
            return False
        return self.places is None or (place is not None and place in self.places)

    @property
    def specificity(self) -> int:
        return (2 if self.subtype is not None else 0) + (1 if self.places is not None else 0)


@dataclass(frozen=True, slots=True)
class Route:
    """What the catalogue says for one case."""

    rule_id: str
    lead: Target
    assist: tuple[Target, ...]
    fallback: str | None
    ack: Limit
    done: Limit
    ack_grace: Limit  # time before the next ladder step after a missed acknowledge
    done_grace: Limit  # ... after a missed completion


class Catalogue:
    def __init__(
        self,
        rules: Iterable[Rule],
        *,
        emergency_ack: Limit,
        valid_return_reasons: Iterable[str] = (),
    ) -> None:
        self.rules = tuple(rules)
        self.emergency_ack = emergency_ack
        if emergency_ack.working:
            raise ValueError("the emergency acknowledge limit must be on the wall clock")
        self.valid_return_reasons = tuple(r for r in valid_return_reasons if r.strip())
        self._check()

    def _check(self) -> None:
        ids = [r.id for r in self.rules]
        if len(set(ids)) != len(ids):
            raise ValueError("duplicate rule ids in the catalogue")
        categories = {r.category for r in self.rules}
        for cat in categories:
            if not any(r.category == cat and r.specificity == 0 for r in self.rules):
                raise ValueError(f"category {cat!r} has no catch-all rule")
        for r in self.rules:
            if r.places is not None and not r.places <= PLACE_KINDS:
                raise ValueError(f"rule {r.id}: unknown place kinds {sorted(r.places)}")
            if r.lead.kind is not TargetKind.department and r.fallback is None:
                # A case may be unplaced (no township known): someone must still get it.
                raise ValueError(f"rule {r.id}: a lead by place needs a fallback department")
        for i, a in enumerate(self.rules):
            for b in self.rules[i + 1 :]:
                same = (a.category, a.subtype) == (b.category, b.subtype)
                if same and (
                    (a.places is None and b.places is None)
                    or (a.places is not None and b.places is not None and a.places & b.places)
                ):
                    raise ValueError(f"rules {a.id} and {b.id} overlap")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Catalogue:
        return cls(
            (_rule(r) for r in data["rules"]),
            emergency_ack=Limit.parse(str(data.get("emergency_ack", "1 minute"))),
            valid_return_reasons=[str(x) for x in data.get("valid_return_reasons") or ()],
        )

    @classmethod
    def from_yaml(cls, path: Path = DATA) -> Catalogue:
        with path.open(encoding="utf-8") as f:
            return cls.from_mapping(yaml.safe_load(f))

    def department_codes(self) -> frozenset[str]:
        """Every department code the rules name (to check against the org map)."""
        codes: set[str] = set()
        for r in self.rules:
            for t in (r.lead, *r.assist):
                if t.code:
                    codes.add(t.code)
            if r.fallback:
                codes.add(r.fallback)
        return frozenset(codes)

    def rule_for(self, category: str, subtype: str | None, place: str | None) -> Rule | None:
        best: Rule | None = None
        for r in self.rules:
            if r.matches(category, subtype, place) and (
                best is None or r.specificity > best.specificity
            ):
                best = r
        return best

    def route(
        self, category: str | None, subtype: str | None, place: str | None, *, emergency: bool
    ) -> Route | None:
        """The route for a case, or None when its category is unknown (a human decides)."""
        if category is None:
            return None
        rule = self.rule_for(category, subtype, place)
        if rule is None:
            return None
        ack = rule.ack
        # "Emergencies: acknowledge within 1 minute" overrides slower rule limits.
        if emergency and (ack.working or _seconds(ack) > _seconds(self.emergency_ack)):
            ack = self.emergency_ack
        return Route(
            rule_id=rule.id,
            lead=rule.lead,
            assist=rule.assist,
            fallback=rule.fallback,
            ack=ack,
            done=rule.done,
            ack_grace=ack,
            done_grace=rule.grace or ack,
        )

    def return_reason_valid(self, reason: str | None) -> bool:
        """Is a 退单 reason one the work plan accepts? Anything else counts as 推诿扯皮."""
        text = "".join((reason or "").split())
        return bool(text) and any(r in text for r in self.valid_return_reasons)


@cache
def default_catalogue() -> Catalogue:
    """The catalogue shipped in ``core/dispatch/data/catalogue.yaml`` (read once; immutable)."""
    return Catalogue.from_yaml()


def _seconds(limit: Limit) -> int:
    return limit.amount * {"seconds": 1, "minutes": 60, "hours": 3600}[limit.unit.value]


def _rule(r: Mapping[str, Any]) -> Rule:
    places = r.get("places")
    grace = r.get("grace")
    return Rule(
        id=str(r["id"]),
        category=str(r["category"]),
        subtype=str(r["subtype"]) if r.get("subtype") else None,
        places=frozenset(str(p) for p in places) if places else None,
        lead=Target.parse(str(r["lead"])),
        assist=tuple(Target.parse(str(a)) for a in r.get("assist") or ()),
        fallback=str(r["fallback"]) if r.get("fallback") else None,
        ack=Limit.parse(str(r["ack"])),
        done=Limit.parse(str(r["done"])),
        grace=Limit.parse(str(grace)) if grace else None,
    )
