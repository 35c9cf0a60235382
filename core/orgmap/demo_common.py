"""Shared pieces of the demo generator: row specs, name and phone makers, apportioning.

Every spec refers to units by ``code`` (not database id) so the generator stays pure;
``demo.seed_demo`` resolves codes to ids while inserting.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from core.orgmap.qianxi import AREA_CODE

Point = tuple[float, float]  # (lon, lat), GeoJSON order
Quad = tuple[Point, Point, Point, Point]  # SW, SE, NE, NW: counter-clockwise


@dataclass(frozen=True, slots=True)
class UnitSpec:
    code: str
    name: str
    kind: str
    parent_code: str | None
    short_name: str | None = None
    subkind: str | None = None
    tier: int | None = None
    duty_hours: int | None = None
    phone: str | None = None
    lat: float | None = None
    lon: float | None = None
    polygon: list[Any] | None = None
    placeholder: bool = False
    # Generator-only: the quad the polygon was cut from, and for grids the
    # village-group numbers (组) they cover. Neither is stored.
    quad: Quad | None = None
    groups: tuple[int, int] | None = None
    seat: bool = False  # the village or community where the township government sits


@dataclass(frozen=True, slots=True)
class PersonSpec:
    name: str
    role: str
    unit_code: str
    phone: str
    title: str | None = None


@dataclass(frozen=True, slots=True)
class PlaceSpec:
    name: str
    kind: str
    aliases: list[str]
    lat: float
    lon: float
    township_code: str | None
    grid_code: str | None


@dataclass(frozen=True, slots=True)
class CameraSpec:
    code: str
    name: str
    lat: float
    lon: float
    stream_url: str
    snapshot_url: str
    township_code: str | None
    grid_code: str | None


@dataclass(frozen=True, slots=True)
class HouseholdSpec:
    address: str
    head_name: str
    phone: str
    members: int
    lat: float
    lon: float
    grid_code: str
    stb_device_id: str | None


# Common surnames, weighted roughly by frequency in Guizhou; 安/禄/龙/罗/陆 are common
# among the Yi and Miao families of the old Shuixi area.
_SURNAMES = (
    ("王", 9), ("李", 8), ("张", 7), ("刘", 5), ("陈", 6), ("杨", 7), ("赵", 3), ("黄", 4),
    ("周", 4), ("吴", 4), ("徐", 2), ("孙", 2), ("胡", 3), ("朱", 2), ("高", 2), ("林", 2),
    ("何", 3), ("郭", 2), ("马", 2), ("罗", 4), ("龙", 3), ("安", 2), ("禄", 1), ("陆", 2),
    ("熊", 2), ("邓", 2), ("蒋", 1), ("彭", 2), ("聂", 1), ("苏", 1), ("宋", 2), ("谢", 2),
    ("韩", 1), ("唐", 2), ("冯", 1), ("曾", 1), ("田", 2), ("余", 2), ("潘", 1), ("袁", 1),
)  # fmt: skip
_GIVEN = (  # noqa: SIM905 - spaced names read better
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 涛 明 超 秀 霞 平 刚 桂 英 华 玉 兰 红 梅 林 "
    "波 斌 宇 浩 凯 鹏 飞 俊 鑫 雪 婷 琴 云 莲 凤 燕 萍 建 国 志 文 德 成 福 贵 荣 顺 发 "
    "海 江 山 峰 莉 倩 瑶 欣 怡 佳 晨 阳 辉 龙 兴 忠 祥 春 秋 冬 菊 珍 娟 丹 蓉 会 琼"
).split()


class NameMaker:
    """Plausible two- or three-character Chinese personal names."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._surnames = [s for s, _ in _SURNAMES]
        self._weights = [w for _, w in _SURNAMES]

    def person(self) -> str:
        surname = self._rng.choices(self._surnames, self._weights)[0]
        count = 1 if self._rng.random() < 0.3 else 2
        return surname + "".join(self._rng.choice(_GIVEN) for _ in range(count))


_MOBILE_PREFIXES = (  # noqa: SIM905 - spaced names read better
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 173 177 "
    "180 181 182 183 185 186 187 188 189 191 198 199"
).split()


class PhoneBook:
    """Deterministic, unique, synthetic phone numbers.

    The 8-digit mobile suffix is ``(a*n + b) mod 10**8`` of a counter with ``a``
    coprime to 10: an affine bijection, so numbers never repeat yet do not look
    sequential.
    """

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._mobiles = 0
        self._landlines = 0

    def mobile(self) -> str:
        n = self._mobiles
        self._mobiles += 1
        prefix = self._rng.choice(_MOBILE_PREFIXES)
        return f"{prefix}{(48_271 * n + 9_713_257) % 10**8:08d}"

    def landline(self) -> str:
        n = self._landlines
        self._landlines += 1
        return f"{AREA_CODE}-4{(7_919 * n + 265_443) % 10**6:06d}"


def apportion(total: int, weights: Sequence[float], minimum: int = 0) -> list[int]:
    """Split ``total`` into ``len(weights)`` integers, each >= ``minimum``, summing exactly.

    Largest-remainder method on what is left after the minimum; ties break by index
    so the result is deterministic.
    """
    n = len(weights)
    rest = total - minimum * n
    if n == 0 or rest < 0:
        raise ValueError(f"cannot split {total} into {n} parts of at least {minimum}")
    wsum = float(sum(weights))
    shares = [rest * w / wsum for w in weights]
    counts = [int(s) for s in shares]
    short = rest - sum(counts)
    order = sorted(range(n), key=lambda i: (counts[i] - shares[i], i))
    for i in order[:short]:
        counts[i] += 1
    return [c + minimum for c in counts]
