"""The working-day calendar and deadline arithmetic (pure: no I/O beyond reading its data).

Time limits in the linkage work plan (R6) come in two kinds:

* **wall-clock** limits (``1 minute``, ``2 hours``): emergencies do not wait for Monday;
* **working-time** limits (``4 working_hours``, ``10 working_days``): consultations and
  complaints run on the government's working days, which are Monday–Friday minus the
  public holidays plus the make-up working days (调休) of the State Council's yearly
  notice. Those days are data (``core/worktime/data/holidays.yaml``), not code.

A limit of *N working days* ends at the close of office on the N-th working day after
the day it starts; the starting day itself is not counted (《民法典》第二百零一条: a
period counted in days starts on the next day; 第二百零三条: where there are business
hours, the period ends when business stops). Working hours count only time inside the
office-hour blocks of working days.

Every datetime in and out is timezone-aware; results are in UTC.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).parent / "data" / "holidays.yaml"
# A calendar with no working day within this many days is broken data, not a fact.
_MAX_SCAN_DAYS = 3660


class Unit(StrEnum):
    seconds = "seconds"
    minutes = "minutes"
    hours = "hours"
    working_minutes = "working_minutes"
    working_hours = "working_hours"
    working_days = "working_days"


_WALL = {Unit.seconds: 1, Unit.minutes: 60, Unit.hours: 3600}
_ALIASES = {
    "second": Unit.seconds,
    "minute": Unit.minutes,
    "hour": Unit.hours,
    "working_minute": Unit.working_minutes,
    "working_hour": Unit.working_hours,
    "working_day": Unit.working_days,
}
_LIMIT_RE = re.compile(r"^\s*(\d+)\s+([a-z_ ]+?)\s*$")


@dataclass(frozen=True, slots=True)
class Limit:
    """A time limit such as ``1 minute`` or ``10 working_days``."""

    amount: int
    unit: Unit

    def __post_init__(self) -> None:
        if self.amount < 0:
            raise ValueError(f"a time limit cannot be negative: {self.amount}")

    @classmethod
    def parse(cls, text: str) -> Limit:
        """``"10 working days"``, ``"10 working_days"``, ``"1 minute"`` → :class:`Limit`."""
        m = _LIMIT_RE.match(text.lower())
        if m is None:
            raise ValueError(f"not a time limit: {text!r}")
        word = "_".join(m.group(2).split())
        unit = _ALIASES.get(word) or _ALIASES.get(word.removesuffix("s"))
        if unit is None:
            raise ValueError(f"unknown time unit in {text!r}")
        return cls(int(m.group(1)), unit)

    @property
    def working(self) -> bool:
        """True when the limit counts working time only."""
        return self.unit not in _WALL

    def __str__(self) -> str:
        return f"{self.amount} {self.unit.value}"


@dataclass(frozen=True, slots=True)
class Holiday:
    name: str
    first: date
    last: date


class WorkCalendar:
    """Working days, office hours and deadlines for one jurisdiction."""

    def __init__(
        self,
        holidays: Iterable[Holiday],
        workdays: Iterable[date],
        office_hours: Iterable[tuple[time, time]],
        *,
        tz: tzinfo,
        years: Iterable[int] = (),
        provisional_years: Iterable[int] = (),
    ) -> None:
        self.tz = tz
        self.office_hours = tuple(sorted(office_hours))
        if not self.office_hours or any(o >= c for o, c in self.office_hours):
            raise ValueError("office hours need at least one block, each opening before closing")
        for (_, c1), (o2, _) in zip(self.office_hours, self.office_hours[1:], strict=False):
            if o2 < c1:
                raise ValueError("office-hour blocks overlap")
        self.holiday_names: dict[date, str] = {}
        for h in holidays:
            d = h.first
            while d <= h.last:
                self.holiday_names[d] = h.name
                d += timedelta(days=1)
        self.workdays = frozenset(workdays)
        clash = self.workdays & self.holiday_names.keys()
        if clash:
            raise ValueError(f"days both holiday and make-up working day: {sorted(clash)}")
        self.years = frozenset(years)
        self.provisional_years = frozenset(provisional_years)
        any_day = date(2000, 1, 3)
        self.day_length = sum(
            (_on(any_day, c, tz) - _on(any_day, o, tz) for o, c in self.office_hours), timedelta()
        )

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> WorkCalendar:
        tz = timezone(timedelta(hours=float(data.get("timezone_offset_hours", 8))))
        blocks = [(_hhmm(o), _hhmm(c)) for o, c in data["office_hours"]]
        holidays: list[Holiday] = []
        workdays: list[date] = []
        provisional: list[int] = []
        for year, spec in (data.get("years") or {}).items():
            for h in spec.get("holidays") or ():
                holidays.append(Holiday(str(h["name"]), _day(h["from"]), _day(h["to"])))
            workdays.extend(_day(d) for d in spec.get("workdays") or ())
            if spec.get("provisional"):
                provisional.append(int(year))
        return cls(
            holidays,
            workdays,
            blocks,
            tz=tz,
            years=(int(y) for y in (data.get("years") or {})),
            provisional_years=provisional,
        )

    @classmethod
    def from_yaml(cls, path: Path = DATA) -> WorkCalendar:
        with path.open(encoding="utf-8") as f:
            return cls.from_mapping(yaml.safe_load(f))

    # -- days ---------------------------------------------------------------------------

    def covers(self, d: date) -> bool:
        """False for a year the data does not describe (only weekends count there)."""
        return d.year in self.years

    def is_working_day(self, d: date) -> bool:
        if d in self.workdays:
            return True
        return d.weekday() < 5 and d not in self.holiday_names

    def holiday(self, d: date) -> str | None:
        return self.holiday_names.get(d)

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        for _ in range(_MAX_SCAN_DAYS):
            d += timedelta(days=1)
            if self.is_working_day(d):
                return d
        raise ValueError(f"no working day within {_MAX_SCAN_DAYS} days after {d}")

    def local(self, at: datetime) -> datetime:
        return _aware(at).astimezone(self.tz)

    def opens(self, d: date) -> datetime:
        return _on(d, self.office_hours[0][0], self.tz)

    def closes(self, d: date) -> datetime:
        return _on(d, self.office_hours[-1][1], self.tz)

    def in_office_hours(self, at: datetime) -> bool:
        t = self.local(at)
        if not self.is_working_day(t.date()):
            return False
        return any(o <= t.timetz().replace(tzinfo=None) < c for o, c in self.office_hours)

    # -- arithmetic ---------------------------------------------------------------------

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """Close of office on the ``n``-th working day after ``start``'s local day."""
        if n < 0:
            raise ValueError("cannot add a negative number of working days")
        if n == 0:
            return _aware(start).astimezone(UTC)
        d = self.local(start).date()
        for _ in range(n):
            d = self.next_working_day(d)
        return self.closes(d).astimezone(UTC)

    def _blocks_from(self, d: date) -> Iterable[tuple[datetime, datetime]]:
        """Office-hour blocks of working days from ``d`` on, in order."""
        for _ in range(_MAX_SCAN_DAYS):
            if self.is_working_day(d):
                for o, c in self.office_hours:
                    yield _on(d, o, self.tz), _on(d, c, self.tz)
            d += timedelta(days=1)
        raise ValueError(f"no office hours within {_MAX_SCAN_DAYS} days of {d}")

    def add_working_time(self, start: datetime, span: timedelta) -> datetime:
        """The instant ``span`` of office time after ``start``.

        Ends at a block's closing time when the span uses it up exactly, so adding
        in two parts gives the same instant as adding the sum.
        """
        if span < timedelta():
            raise ValueError("cannot add negative working time")
        start = _aware(start).astimezone(UTC)
        if span == timedelta():
            return start
        left = span
        for o, c in self._blocks_from(self.local(start).date()):
            if c <= start:
                continue
            s = max(o, start)
            if left <= c - s:
                return (s + left).astimezone(UTC)
            left -= c - s
        raise AssertionError("unreachable: _blocks_from raises first")  # pragma: no cover

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Office time inside ``[a, b)`` (zero when ``b <= a``)."""
        a, b = _aware(a).astimezone(UTC), _aware(b).astimezone(UTC)
        total = timedelta()
        if b <= a:
            return total
        for o, c in self._blocks_from(self.local(a).date()):
            if o >= b:
                break
            lo, hi = max(o, a), min(c, b)
            if hi > lo:
                total += hi - lo
        return total

    def deadline(self, start: datetime, limit: Limit) -> datetime:
        """When ``limit`` counted from ``start`` runs out (UTC)."""
        if limit.unit in _WALL:
            return (_aware(start) + timedelta(seconds=limit.amount * _WALL[limit.unit])).astimezone(
                UTC
            )
        if limit.unit is Unit.working_days:
            return self.add_working_days(start, limit.amount)
        per = 60 if limit.unit is Unit.working_minutes else 3600
        return self.add_working_time(start, timedelta(seconds=limit.amount * per))

    def scale(self, limit: Limit, factor: float) -> Limit:
        """``limit`` times ``factor`` (e.g. the shorter 重办 limit), rounded up.

        Whole working days stay working days; a fraction of one becomes working
        minutes of the office day, and wall-clock limits become seconds if needed.
        """
        if factor <= 0:
            raise ValueError("a scale factor must be positive")
        exact = limit.amount * factor
        if math.isclose(exact, round(exact)) and round(exact) > 0:
            return Limit(round(exact), limit.unit)
        if limit.unit is Unit.working_days:
            minutes = exact * self.day_length.total_seconds() / 60
            return Limit(math.ceil(minutes - 1e-9), Unit.working_minutes)
        if limit.unit in (Unit.working_hours, Unit.working_minutes):
            per = 60 if limit.unit is Unit.working_hours else 1
            return Limit(math.ceil(exact * per - 1e-9), Unit.working_minutes)
        return Limit(math.ceil(exact * _WALL[limit.unit] - 1e-9), Unit.seconds)

    def point_at(
        self, start: datetime, end: datetime, fraction: float, *, working: bool
    ) -> datetime:
        """The instant ``fraction`` of the way from ``start`` to ``end``.

        Measured in office time when ``working``, so a reminder for a working-day limit
        falls in office hours rather than on a Sunday night.
        """
        start, end = _aware(start).astimezone(UTC), _aware(end).astimezone(UTC)
        if end <= start:
            return end
        if working:
            span = self.working_time_between(start, end)
            if span > timedelta():
                return min(end, self.add_working_time(start, span * fraction))
        return min(end, start + (end - start) * fraction)


@cache
def default_calendar() -> WorkCalendar:
    """The calendar shipped in ``core/worktime/data/holidays.yaml`` (read once; immutable)."""
    return WorkCalendar.from_yaml()


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("naive datetime: pass a timezone-aware one")
    return at


def _on(d: date, t: time, tz: tzinfo) -> datetime:
    return datetime.combine(d, t, tzinfo=tz)


def _hhmm(text: str) -> time:
    return time.fromisoformat(str(text))


def _day(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
