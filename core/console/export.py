"""A search result as CSV (UTF-8 with BOM, so Excel opens Chinese correctly) or XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from openpyxl import Workbook

from core.console.models import CATEGORY_LABELS
from core.console.schemas import SearchItem

HEADER = ("工单号", "受理时间", "状态", "类别", "优先级", "紧急", "乡镇（街道）", "渠道",
          "热线", "来电号码", "摘要")  # fmt: skip
FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}  # fmt: skip


def _cell(value: str) -> str:
    """Citizens' words must stay text: a cell starting with = + - @ would run as a
    formula in Excel (CSV injection), so it gets a leading apostrophe."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def _row(item: SearchItem, tz: ZoneInfo) -> list[str | int]:
    local = item.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
    return [
        item.number, local, item.state_label, CATEGORY_LABELS.get(item.category or "", ""),
        item.priority,
        "是" if item.emergency else "否", item.township or "", item.channel or "",
        item.hotline or "", item.phone or "", _cell(item.summary),
    ]  # fmt: skip


def render(items: Sequence[SearchItem], fmt: str, tz: str, now: datetime) -> bytes:
    zone = ZoneInfo(tz)
    rows = [_row(i, zone) for i in items]
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(HEADER)
        writer.writerows(rows)
        return ("\ufeff" + buf.getvalue()).encode("utf-8")
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("工单查询")
    ws.append([f"工单查询导出 {now.astimezone(zone):%Y-%m-%d %H:%M}，共 {len(rows)} 件"])
    ws.append(list(HEADER))
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
