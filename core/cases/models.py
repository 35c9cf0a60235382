"""Pure domain vocabulary for contacts and cases. No I/O, no ORM."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Channel(StrEnum):
    phone = "phone"
    wechat = "wechat"
    weibo = "weibo"
    sms = "sms"
    app = "app"
    stb_alarm = "stb_alarm"  # TV set-top-box one-click alarm (一键报警), R4
    grid = "grid"  # a grid worker's patrol report, R3


class Hotline(StrEnum):
    police = "110"
    fire = "119"
    medical = "120"
    traffic = "122"
    consumer = "12315"
    government = "12345"


class Category(StrEnum):
    police = "police"
    fire = "fire"
    medical = "medical"
    traffic = "traffic"
    consumer = "consumer"
    government = "government"


# The family each hotline serves: a prior for classification, not the answer.
HOTLINE_CATEGORY: dict[Hotline, Category] = {
    Hotline.police: Category.police,
    Hotline.fire: Category.fire,
    Hotline.medical: Category.medical,
    Hotline.traffic: Category.traffic,
    Hotline.consumer: Category.consumer,
    Hotline.government: Category.government,
}


class LocationSource(StrEnum):
    sip_pidf = "sip_pidf"  # PIDF-LO in the INVITE (res_pjsip_geolocation)
    gps = "gps"  # device GPS (app, WeChat location message, grid worker)
    registry = "registry"  # caller / device registry (household address, STB)
    gazetteer = "gazetteer"  # a place name found in the text
    manual = "manual"  # typed by a call taker
    stb = "stb"  # the household a set-top box is registered to (R4)


@dataclass(frozen=True, slots=True)
class Location:
    lat: float
    lon: float
    source: LocationSource
    accuracy_m: float | None = None
    address: str | None = None

    def __post_init__(self) -> None:
        if not (-90.0 <= self.lat <= 90.0 and -180.0 <= self.lon <= 180.0):
            raise ValueError(f"coordinates out of range: {self.lat}, {self.lon}")


class CaseState(StrEnum):
    received = "received"  # 受理
    dispatched = "dispatched"  # 派单
    acknowledged = "acknowledged"  # 签收
    in_progress = "in_progress"  # 处置
    completed = "completed"  # 办结
    evaluated = "evaluated"  # 回访/评价
    closed = "closed"  # 结案
    returned = "returned"  # 退单: the unit sent it back, awaiting re-dispatch
    merged = "merged"  # 并单: folded into another case, terminal


STATE_LABELS: dict[CaseState, str] = {
    CaseState.received: "受理",
    CaseState.dispatched: "派单",
    CaseState.acknowledged: "签收",
    CaseState.in_progress: "处置",
    CaseState.completed: "办结",
    CaseState.evaluated: "回访/评价",
    CaseState.closed: "结案",
    CaseState.returned: "退单",
    CaseState.merged: "并单",
}

OPEN_STATES = frozenset(
    {
        CaseState.received,
        CaseState.dispatched,
        CaseState.acknowledged,
        CaseState.in_progress,
        CaseState.returned,
    }
)


class InstructionRole(StrEnum):
    lead = "lead"  # 主办
    assist = "assist"  # 协办


class InstructionState(StrEnum):
    sent = "sent"
    acknowledged = "acknowledged"
    in_progress = "in_progress"
    completed = "completed"
    returned = "returned"
    withdrawn = "withdrawn"  # superseded by a reassignment (改派)
