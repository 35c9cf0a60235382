"""The report as one self-contained HTML page for the desktop (no scripts, escaped)."""

from __future__ import annotations

from html import escape

from core.ratings.models import STAGES
from reports.figures import UnitFigures
from reports.service import DEFINITIONS, LEVELS, Report, stage_label

CSS = """body{font-family:"Noto Sans CJK SC","WenQuanYi Zen Hei",sans-serif;margin:1.5em}
table{border-collapse:collapse;margin:1em 0;font-size:13px}
th,td{border:1px solid #ccc;padding:3px 6px;text-align:right}
td.n,th.n{text-align:left}tr.flag{background:#f8d7da}caption{font-weight:bold;text-align:left}"""


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


def _unit_rows(units: list[UnitFigures]) -> str:
    rows = []
    for u in units:
        esc = "/".join(str(u.escalations.get(int(lv), 0)) for lv in LEVELS)
        cells = [
            "—" if u.rank is None else str(u.rank), f'<td class="n">{escape(u.name)}',
            str(u.volume),
            _pct(u.ack_rate), _pct(u.done_rate), f"{_pct(u.satisfaction)}（{u.rated}）",
            str(u.reopened), esc, str(u.strikes),
            "—" if u.score is None else f"{u.score * 100:.1f}", "点名通报" if u.flagged else "",
        ]  # fmt: skip
        tds = "".join(f"{c}</td>" if c.startswith("<td") else f"<td>{c}</td>" for c in cells)
        rows.append(f'<tr class="{"flag" if u.flagged else ""}">{tds}</tr>')
    return "".join(rows)


def _table(caption: str, units: list[UnitFigures]) -> str:
    head = ["排名", "单位", "承办量", "按时签收率", "按时办结率", "满意率（评价数）", "重办",
            "督办1/2/3/4级", "推诿", "综合得分", ""]  # fmt: skip
    ths = "".join(f'<th class="{"n" if h == "单位" else ""}">{h}</th>' for h in head)
    return f"<table><caption>{caption}</caption><tr>{ths}</tr>{_unit_rows(units)}</table>"


def render_html(report: Report) -> str:
    flagged = "、".join(escape(u.name) for u in report.flagged) or "无"
    stage_rows = []
    for stage in ("overall", *(s.value for s in STAGES)):
        c = report.city.stages.get(stage, {})
        n = sum(c.values())
        good = c.get(1, 0) + c.get(2, 0)
        stage_rows.append(
            f'<tr><td class="n">{stage_label(stage)}</td><td>{c.get(1, 0)}</td>'
            f"<td>{c.get(2, 0)}</td><td>{c.get(3, 0)}</td>"
            f"<td>{_pct(good / n if n else None)}</td></tr>"
        )
    defs = "".join(f"<li>{escape(d)}</li>" for d in DEFINITIONS)
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>{escape(report.title)}</title><style>{CSS}</style></head><body>
<h1>{escape(report.title)}</h1>
<p>来件 {report.city.contacts} 件，工单 {report.city.cases} 件；全市乡镇平均满意率
{_pct(report.average)}；点名通报：{flagged}。</p>
{_table("乡镇（街道）", report.group("township"))}
{_table("市直部门", report.group("department"))}
<table><caption>分环节满意度</caption><tr><th class="n">环节</th><th>满意</th><th>基本满意</th>
<th>不满意</th><th>满意率</th></tr>{"".join(stage_rows)}</table>
<p>回访抽查：抽取 {report.city.sample_picked} 件，已回访 {report.city.sample_done} 件。</p>
<h2>统计口径</h2><ul>{defs}</ul></body></html>"""
