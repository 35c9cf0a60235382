"""Qianxi (黔西市, Guizhou) as data: township-level units and the linkage departments.

Sources and confidence
----------------------
* The 15 towns, 莲城街道 and five ethnic townships are named in the project mission
  (taken from the 2023 article on the Qianxi 110 social linkage center). They carry
  ``placeholder=False``.
* The other four streets and five ethnic townships are believed correct but were not
  confirmed against a public source here: ``placeholder=True``. Replace or confirm them
  before a real deployment; nothing else in the code depends on the exact strings.
* Department names are the generic function names a county-level city uses; their duty
  tiers follow R8 (tier 1 stations a section-level cadre in the center 24h; tiers 2/3
  keep 12h or 8h duty) in a plausible spread, not an official list.
* ``cell`` is the township's place in the demo's synthetic 5 x 6 layout (row 0 is the
  south, column 0 the west). It is a stand-in for real boundaries, not a map.

Aliases are the short forms citizens say on the phone. Some are ordinary words too
(重新 "again", 协和, 花溪 is also a Guiyang district): free-text matching should
prefer the full name and use these with care.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.orgmap.models import TownshipKind

CITY_NAME = "黔西市"
CITY_CODE = "QX"
# The city government seat.
SEAT_TOWNSHIP = "莲城街道"
CITY_SEAT_LAT = 27.009
CITY_SEAT_LON = 106.032
# Rough extent of the city; the demo tiles exactly this box.
CITY_BBOX = (105.75, 26.85, 106.35, 27.25)  # (min_lon, min_lat, max_lon, max_lat)
TOTAL_VILLAGES = 364
TOTAL_GRIDS = 2011
TOTAL_GRID_ASSISTANTS = 12807
AREA_CODE = "0857"  # Bijie prefecture telephone area code


@dataclass(frozen=True, slots=True)
class TownshipInfo:
    name: str
    short_name: str
    aliases: tuple[str, ...]
    kind: TownshipKind
    cell: tuple[int, int]  # (row, col) in the synthetic layout
    placeholder: bool = False


@dataclass(frozen=True, slots=True)
class DepartmentInfo:
    code: str
    name: str
    short_name: str
    tier: int
    duty_hours: int
    # The deputy mayor in charge (R12 second push) is the one holding this portfolio.
    portfolio: str


def _street(name: str, short: str, cell: tuple[int, int], *, placeholder: bool) -> TownshipInfo:
    return TownshipInfo(
        name, short, (short, f"{short}办", f"{short}街道办"), TownshipKind.street, cell, placeholder
    )


def _town(name: str, cell: tuple[int, int]) -> TownshipInfo:
    short = name.removesuffix("镇")
    return TownshipInfo(name, short, (short,), TownshipKind.town, cell)


def _ethnic(name: str, short: str, cell: tuple[int, int], *, placeholder: bool) -> TownshipInfo:
    return TownshipInfo(
        name,
        f"{short}乡",
        (f"{short}乡", short),
        TownshipKind.ethnic_township,
        cell,
        placeholder,
    )


# Streets sit on the five central cells; 莲城 holds the city seat.
TOWNSHIPS: tuple[TownshipInfo, ...] = (
    _street("莲城街道", "莲城", (2, 3), placeholder=False),
    _street("杜鹃街道", "杜鹃", (2, 2), placeholder=True),
    _street("水西街道", "水西", (1, 3), placeholder=True),
    _street("文峰街道", "文峰", (2, 4), placeholder=True),
    _street("永燊街道", "永燊", (3, 3), placeholder=True),
    _town("金碧镇", (4, 0)),
    _town("雨朵镇", (4, 1)),
    _town("大关镇", (4, 2)),
    _town("谷里镇", (1, 5)),
    _town("素朴镇", (4, 4)),
    _town("中坪镇", (3, 5)),
    _town("重新镇", (4, 3)),
    _town("林泉镇", (2, 0)),
    _town("金兰镇", (3, 0)),
    _town("甘棠镇", (2, 5)),
    _town("洪水镇", (1, 0)),
    _town("锦星镇", (1, 1)),
    _town("钟山镇", (3, 1)),
    _town("协和镇", (0, 1)),
    _town("观音洞镇", (4, 5)),
    _ethnic("五里布依族苗族乡", "五里", (0, 3), placeholder=False),
    _ethnic("新仁苗族乡", "新仁", (0, 4), placeholder=False),
    _ethnic("铁石苗族彝族乡", "铁石", (0, 0), placeholder=False),
    _ethnic("太来彝族苗族乡", "太来", (3, 2), placeholder=False),
    _ethnic("红林彝族苗族乡", "红林", (1, 2), placeholder=False),
    _ethnic("绿化白族彝族乡", "绿化", (0, 2), placeholder=True),
    _ethnic("花溪彝族苗族乡", "花溪", (1, 4), placeholder=True),
    _ethnic("定新彝族苗族乡", "定新", (0, 5), placeholder=True),
    _ethnic("仁和彝族苗族乡", "仁和", (3, 4), placeholder=True),
    _ethnic("中建苗族彝族乡", "中建", (2, 1), placeholder=True),
)

# Real villages the demo places in a township (the rest of the names are synthetic).
REAL_VILLAGES: dict[str, tuple[str, ...]] = {
    "新仁苗族乡": ("化屋村",),
}

CENTER_NAME = "市110社会联动中心"
CENTER_SHORT = "联动中心"

# Portfolios of the deputy mayors; each groups the departments they answer for.
PORTFOLIOS: tuple[str, ...] = ("政法", "应急与城建", "社会事业", "经济与公用事业", "政务服务")

DEPARTMENTS: tuple[DepartmentInfo, ...] = (
    DepartmentInfo("QX-D01", "市公安局指挥中心", "公安指挥中心", 1, 24, "政法"),
    DepartmentInfo("QX-D02", "市消防救援大队", "消防", 1, 24, "应急与城建"),
    DepartmentInfo("QX-D03", "市120急救指挥中心", "120", 1, 24, "社会事业"),
    DepartmentInfo("QX-D04", "市公安局交警大队", "交警", 1, 24, "政法"),
    DepartmentInfo("QX-D05", "市市场监督管理局(12315)", "市场监管", 2, 12, "经济与公用事业"),
    DepartmentInfo("QX-D06", "市12345政务服务便民热线办公室", "12345", 2, 12, "政务服务"),
    DepartmentInfo("QX-D07", "市应急管理局", "应急局", 1, 24, "应急与城建"),
    DepartmentInfo("QX-D08", "黔西供电局", "供电局", 2, 12, "经济与公用事业"),
    DepartmentInfo("QX-D09", "市自来水公司", "自来水公司", 2, 12, "经济与公用事业"),
    DepartmentInfo("QX-D10", "市燃气公司", "燃气公司", 2, 12, "经济与公用事业"),
    DepartmentInfo("QX-D11", "市住房和城乡建设局", "住建局", 2, 12, "应急与城建"),
    DepartmentInfo("QX-D12", "市人力资源和社会保障局(劳动监察)", "人社局", 2, 12, "社会事业"),
    DepartmentInfo("QX-D13", "市综合行政执法局", "综合执法局", 2, 12, "应急与城建"),
    DepartmentInfo("QX-D14", "市卫生健康局", "卫健局", 2, 12, "社会事业"),
    DepartmentInfo("QX-D15", "市生态环境局", "生态环境局", 2, 12, "经济与公用事业"),
    DepartmentInfo("QX-D16", "市交通运输局", "交通运输局", 2, 12, "应急与城建"),
    DepartmentInfo("QX-D17", "市自然资源局", "自然资源局", 3, 8, "应急与城建"),
    DepartmentInfo("QX-D18", "市教育局", "教育局", 3, 8, "社会事业"),
    DepartmentInfo("QX-D19", "市民政局", "民政局", 3, 8, "社会事业"),
    DepartmentInfo("QX-D20", "市司法局", "司法局", 3, 8, "政法"),
    DepartmentInfo("QX-D21", "市信访局", "信访局", 3, 8, "政法"),
    DepartmentInfo("QX-D22", "市农业农村局", "农业农村局", 3, 8, "经济与公用事业"),
    DepartmentInfo("QX-D23", "市水务局", "水务局", 3, 8, "经济与公用事业"),
    DepartmentInfo("QX-D24", "市文体广电旅游局", "文旅局", 3, 8, "社会事业"),
)


def department_portfolio(code: str) -> str | None:
    """The deputy-mayor portfolio a department answers to (for R12 escalation)."""
    for dept in DEPARTMENTS:
        if dept.code == code:
            return dept.portfolio
    return None
