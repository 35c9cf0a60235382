"""Report periods: a month (2026-10), a quarter (2026-Q3) or a year (2026), as
half-open UTC intervals of the center's local days (Asia/Shanghai by default)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from core.errors import InvalidInput


class Kind(StrEnum):
    monthly = "monthly"  # 月通报
    quarterly = "quarterly"  # 季度考核
    annual = "annual"  # 年度总评


KIND_LABELS = {Kind.monthly: "月度通报", Kind.quarterly: "季度考核", Kind.annual: "年度总评"}
_PATTERNS = {
    Kind.monthly: re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"),
    Kind.quarterly: re.compile(r"^(\d{4})-Q([1-4])$"),
    Kind.annual: re.compile(r"^(\d{4})$"),
}
_EXAMPLES = {Kind.monthly: "2026-10", Kind.quarterly: "2026-Q3", Kind.annual: "2026"}


@dataclass(frozen=True, slots=True)
class Period:
    kind: Kind
    label: str  # as given: 2026-10, 2026-Q3, 2026
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive
    months: tuple[str, ...]  # the months it covers, 2026-07 …

    @property
    def title(self) -> str:
        y = self.label[:4]
        if self.kind is Kind.monthly:
            return f"{y}年{int(self.label[5:])}月"
        if self.kind is Kind.quarterly:
            return f"{y}年第{self.label[-1]}季度"
        return f"{y}年"


def _month_start(year: int, month: int, tz: ZoneInfo) -> datetime:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return datetime(year, month, 1, tzinfo=tz).astimezone(UTC)


def parse_period(kind: str, label: str, timezone: str = "Asia/Shanghai") -> Period:
    try:
        k = Kind(kind)
    except ValueError:
        raise InvalidInput(
            f"unknown report kind {kind!r}",
            error_id="unknown-report-kind",
            details={"allowed": [x.value for x in Kind]},
        ) from None
    m = _PATTERNS[k].match(label.strip())
    if m is None:
        raise InvalidInput(
            f"{k.value} reports take a period like {_EXAMPLES[k]}, not {label!r}",
            error_id="invalid-period",
            details={"kind": k.value, "example": _EXAMPLES[k]},
        )
    year = int(m.group(1))
    if k is Kind.monthly:
        first, count = int(m.group(2)), 1
    elif k is Kind.quarterly:
        first, count = (int(m.group(2)) - 1) * 3 + 1, 3
    else:
        first, count = 1, 12
    tz = ZoneInfo(timezone)
    months = tuple(
        f"{year + (first + i - 1) // 12:04d}-{(first + i - 1) % 12 + 1:02d}" for i in range(count)
    )
    return Period(
        k,
        label.strip(),
        _month_start(year, first, tz),
        _month_start(year, first + count, tz),
        months,
    )


def month_period(month: str, timezone: str = "Asia/Shanghai") -> Period:
    return parse_period(Kind.monthly.value, month, timezone)
