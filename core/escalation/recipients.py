"""Who each ladder step reaches (R12), read from the org map.

1. the unit's head (主要领导); a grid or village has none, so the head of the nearest
   unit above it that has one (the township's party secretary, per "1+N");
2. the deputy mayor holding the unit's portfolio (``orgmap.qianxi`` portfolios). The
   org map has no column linking a deputy mayor to a portfolio, so the demo's title
   「副市长（分管<portfolio>）」 is matched; township governance centers (综治中心) answer
   to the 政法 line. Without a match the mayor stands in;
3. the mayor and the party secretary;
4. the discipline inspection commission (市纪委监委), an organisation, not a person.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.escalation.ladder import Level
from core.orgmap.qianxi import department_portfolio
from core.orgmap.tables import PersonRow, UnitRow

TOWNSHIP_PORTFOLIO = "政法"
DISCIPLINE = "市纪委监委"
LEADER_ROLES = ("unit_head", "deputy_mayor", "mayor", "party_secretary")


@dataclass(frozen=True, slots=True)
class UnitInfo:
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    phone: str | None


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    name: str
    role: str
    unit_id: int
    phone: str
    title: str | None


@dataclass(frozen=True, slots=True)
class Recipient:
    key: str  # person:<id> / unit:<id> / org:<name>
    name: str
    person_id: int | None = None
    phone: str | None = None


def as_recipient(p: Person) -> Recipient:
    label = f"{p.name}（{p.title}）" if p.title else p.name
    return Recipient(f"person:{p.id}", label, p.id, p.phone)


@dataclass
class Directory:
    """Units and leaders, loaded once per scheduler pass batch (a few thousand rows)."""

    units: dict[int, UnitInfo] = field(default_factory=dict)
    heads: dict[int, list[Person]] = field(default_factory=dict)
    deputies: list[Person] = field(default_factory=list)
    principals: list[Person] = field(default_factory=list)

    @classmethod
    async def load(cls, s: AsyncSession) -> Directory:
        d = cls()
        for u in await s.execute(
            select(UnitRow.id, UnitRow.code, UnitRow.name, UnitRow.kind, UnitRow.parent_id,
                   UnitRow.phone)
        ):  # fmt: skip
            d.units[u.id] = UnitInfo(u.id, u.code, u.name, u.kind, u.parent_id, u.phone)
        people = await s.execute(
            select(PersonRow.id, PersonRow.name, PersonRow.role, PersonRow.unit_id,
                   PersonRow.phone, PersonRow.title)
            .where(PersonRow.role.in_(LEADER_ROLES))
            .order_by(PersonRow.id)
        )  # fmt: skip
        for r in people:
            p = Person(r.id, r.name, r.role, r.unit_id, r.phone, r.title)
            if p.role == "unit_head":
                d.heads.setdefault(p.unit_id, []).append(p)
            elif p.role == "deputy_mayor":
                d.deputies.append(p)
            else:
                d.principals.append(p)
        return d

    def unit_name(self, unit_id: int) -> str:
        u = self.units.get(unit_id)
        return u.name if u else f"单位{unit_id}"

    def heads_of(self, unit_id: int) -> list[Person]:
        """The unit's head, or the nearest head above it (never the center's own)."""
        seen: set[int] = set()
        current: int | None = unit_id
        while current is not None and current not in seen:
            seen.add(current)
            unit = self.units.get(current)
            if unit is None or unit.kind == "center":
                break
            if self.heads.get(current):
                return self.heads[current]
            current = unit.parent_id
        return []

    def township_of(self, unit_id: int) -> UnitInfo | None:
        current = self.units.get(unit_id)
        while current is not None and current.kind != "township":
            current = self.units.get(current.parent_id) if current.parent_id else None
        return current

    def portfolio(self, unit_id: int) -> str:
        unit = self.units.get(unit_id)
        if unit is not None and unit.kind == "department":
            return department_portfolio(unit.code) or TOWNSHIP_PORTFOLIO
        return TOWNSHIP_PORTFOLIO

    def recipients(self, level: Level, unit_id: int) -> list[Recipient]:
        if level is Level.unit_head:
            heads = self.heads_of(unit_id)
            if heads:
                return [as_recipient(p) for p in heads]
            unit = self.units.get(unit_id)
            return [Recipient(f"unit:{unit_id}", self.unit_name(unit_id), None,
                              unit.phone if unit else None)]  # fmt: skip
        if level is Level.deputy_mayor:
            tag = f"分管{self.portfolio(unit_id)}"
            chosen = [p for p in self.deputies if p.title and tag in p.title]
            if not chosen:
                chosen = [p for p in self.principals if p.role == "mayor"]
            return [as_recipient(p) for p in chosen]
        if level is Level.principal:
            return [as_recipient(p) for p in self.principals]
        if level is Level.discipline:
            return [Recipient(f"org:{DISCIPLINE}", DISCIPLINE)]
        return []
