"""Native Excel charts (openpyxl) in the report workbook: drawn by Excel/WPS from the
cells beside them, so a figure the office corrects in a cell moves its chart too.
The PDF draws the same four pictures with matplotlib (``reports.pdf``)."""

from __future__ import annotations

from openpyxl.chart import BarChart, LineChart, PieChart, Reference
from openpyxl.worksheet.worksheet import Worksheet

# Columns of the unit sheets (reports.xlsx.UNIT_HEADERS): 单位 and 综合得分.
NAME_COL, SCORE_COL = 2, 23
WIDE, TALL = 24.0, 11.0  # centimetres


def score_ranking(ws: Worksheet, first: int, last: int, anchor: str) -> None:
    """综合得分 of every unit of a sheet, in rank order (horizontal bars)."""
    if last < first:
        return
    chart = BarChart()
    chart.type = "bar"
    chart.title = f"{ws.title}综合得分"
    chart.y_axis.title = "得分"
    chart.add_data(Reference(ws, min_col=SCORE_COL, min_row=first - 1, max_row=last),
                   titles_from_data=True)  # fmt: skip
    chart.set_categories(Reference(ws, min_col=NAME_COL, min_row=first, max_row=last))
    chart.x_axis.scaling.orientation = "maxMin"  # rank 1 at the top
    chart.legend = None
    chart.width, chart.height = WIDE, max(TALL, 0.5 * (last - first + 1))
    ws.add_chart(chart, anchor)


def stage_satisfaction(ws: Worksheet, header: int, last: int, anchor: str) -> None:
    """满意 / 基本满意 / 不满意 per stage (受理、处置、反馈、结案), stacked."""
    chart = BarChart()
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.title = "分环节满意度"
    chart.add_data(Reference(ws, min_col=2, max_col=4, min_row=header, max_row=last),
                   titles_from_data=True)  # fmt: skip
    chart.set_categories(Reference(ws, min_col=1, min_row=header + 1, max_row=last))
    chart.width, chart.height = WIDE, TALL
    ws.add_chart(chart, anchor)


def channels(ws: Worksheet, header: int, last: int, anchor: str) -> None:
    """Contacts by channel (电话、微信、短信 …)."""
    if last <= header:
        return
    chart = PieChart()
    chart.title = "来件渠道"
    chart.add_data(Reference(ws, min_col=2, min_row=header, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=header + 1, max_row=last))
    ws.add_chart(chart, anchor)


def trend(ws: Worksheet, header: int, last: int, anchor: str) -> None:
    """The three rates month by month (三率趋势)."""
    if last <= header:
        return
    chart = LineChart()
    chart.title = "三率趋势"
    chart.y_axis.number_format = "0%"
    chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, 1
    chart.add_data(Reference(ws, min_col=3, max_col=5, min_row=header, max_row=last),
                   titles_from_data=True)  # fmt: skip
    chart.set_categories(Reference(ws, min_col=1, min_row=header + 1, max_row=last))
    chart.width, chart.height = WIDE, TALL
    ws.add_chart(chart, anchor)
