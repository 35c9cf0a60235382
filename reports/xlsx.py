"""The report as an Excel workbook (openpyxl): one sheet per group, then the stages,
the trend and the definitions, with native charts (``reports.charts``). Rates are
real numbers formatted as percentages, so the office can sort and re-compute them."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from core.ratings.models import RATING_LABELS, STAGES, Rating
from reports import charts
from reports.figures import UnitFigures
from reports.service import DEFINITIONS, LEVELS, Report, stage_label

UNIT_HEADERS = [
    "排名", "单位", "类别", "承办量", "辖区工单", "按时签收", "按时签收率", "按时办结",
    "按时办结率", "评价数", "满意", "基本满意", "不满意", "满意率", "重办",
    "督办1级", "督办2级", "督办3级", "督办4级", "退单", "改派前未签收", "推诿次数",
    "综合得分", "通报",
]  # fmt: skip
SUBKIND = {"street": "街道", "town": "镇", "ethnic_township": "民族乡"}
RED = PatternFill("solid", fgColor="F8D7DA")
PCT = "0.0%"


def unit_row(u: UnitFigures) -> list[Any]:
    kind = "部门" if u.kind == "department" else SUBKIND.get(u.subkind or "", "乡镇")
    return [
        u.rank, u.name, kind, u.volume, u.area_cases if u.kind == "township" else None,
        u.ack_on_time, u.ack_rate, u.done_on_time, u.done_rate, u.rated, u.satisfied,
        u.basically, u.dissatisfied, u.satisfaction, u.reopened,
        *(u.escalations.get(int(lv), 0) for lv in LEVELS),
        u.returns, u.withdrawn_unacked, u.strikes,
        None if u.score is None else round(u.score * 100, 2),
        "点名通报" if u.flagged else "",
    ]  # fmt: skip


def _sheet(wb: Workbook, title: str, report: Report, kind: str, first: bool) -> None:
    ws = wb.active if first else wb.create_sheet()
    ws.title = title
    ws.append([f"{report.title}：{title}"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(UNIT_HEADERS)
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
    for u in report.group(kind):
        ws.append(unit_row(u))
        if u.flagged:
            for cell in ws[ws.max_row]:
                cell.fill = RED
    for col in (7, 9, 14):
        for (cell,) in ws.iter_rows(min_row=3, min_col=col, max_col=col):
            cell.number_format = PCT
    charts.score_ranking(ws, 3, ws.max_row, f"{get_column_letter(len(UNIT_HEADERS) + 2)}3")
    ws.freeze_panes = "C3"
    ws.column_dimensions["B"].width = 34
    for i in range(3, len(UNIT_HEADERS) + 1):
        ws.column_dimensions[get_column_letter(i)].width = 10


def render_xlsx(report: Report) -> bytes:
    wb = Workbook()
    _sheet(wb, "乡镇街道", report, "township", first=True)
    _sheet(wb, "市直部门", report, "department", first=False)

    ws = wb.create_sheet("分环节满意度")
    header = 1
    ws.append(["环节", *(RATING_LABELS[r] for r in Rating), "评价数", "满意率"])
    for stage in ("overall", *(s.value for s in STAGES)):
        counts = report.city.stages.get(stage, {})
        n = sum(counts.values())
        good = counts.get(1, 0) + counts.get(2, 0)
        ws.append([stage_label(stage), *(counts.get(int(r), 0) for r in Rating), n,
                   good / n if n else None])  # fmt: skip
        ws.cell(ws.max_row, 6).number_format = PCT
    charts.stage_satisfaction(ws, header, ws.max_row, "H2")
    ws.append([])
    ws.append(["回访抽查", "抽取", report.city.sample_picked, "已回访", report.city.sample_done])

    ws = wb.create_sheet("全市概况")
    ws.append(["来件总量", report.city.contacts])
    ws.append(["工单总量", report.city.cases])
    avg_label = "全市乡镇平均满意率" if report.flag_metric == "satisfaction" else "乡镇平均综合得分"
    ws.append([avg_label, report.average])
    ws.cell(ws.max_row, 2).number_format = PCT if report.flag_metric == "satisfaction" else "0.00"
    ws.append(["点名通报乡镇", "、".join(u.name for u in report.flagged) or "无"])
    ws.append([])
    ws.append(["渠道", "来件"])
    header = ws.max_row
    for ch, n in sorted(report.city.by_channel.items()):
        ws.append([ch, n])
    charts.channels(ws, header, ws.max_row, "H1")
    ws.append([])
    ws.append(["月份", "承办量", "按时签收率", "按时办结率", "满意率"])
    header = ws.max_row
    for m in report.trend:
        ws.append([m["month"], m["volume"], m["ack_rate"], m["done_rate"], m["satisfaction"]])
        for col in (3, 4, 5):
            ws.cell(ws.max_row, col).number_format = PCT
    charts.trend(ws, header, ws.max_row, "H18")

    ws = wb.create_sheet("口径说明")
    for line in DEFINITIONS:
        ws.append([line])
    ws.column_dimensions["A"].width = 100

    out = BytesIO()
    wb.save(out)
    return out.getvalue()
