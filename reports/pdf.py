"""The report as a PDF with charts (matplotlib, Agg backend, a CJK font).

Pages: the summary with the townships' satisfaction against the city average (the
named townships in red), the departments' three rates, satisfaction per stage and
escalations per ladder step, the monthly trend, then the ranked tables.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: reports are rendered in servers and CLIs

from matplotlib import font_manager
from matplotlib import pyplot as plt
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from core.errors import Unavailable
from core.ratings.models import STAGES, Rating
from reports.figures import UnitFigures
from reports.service import DEFINITIONS, LEVELS, Report, stage_label

A4 = (11.69, 8.27)  # landscape, inches
GREEN, AMBER, RED, GREY = "#2e7d32", "#f9a825", "#c62828", "#90a4ae"


def use_cjk_font(candidates: list[str]) -> str:
    """Register the first CJK font found; without one every Chinese label would be
    boxes, so refuse clearly instead."""
    # WenQuanYi Zen Hei has one weight; matplotlib logs "using 500" for every label.
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    for path in candidates:
        if Path(path).exists():
            font_manager.fontManager.addfont(path)
            name = font_manager.FontProperties(fname=path).get_name()
            matplotlib.rcParams["font.family"] = [name]
            matplotlib.rcParams["axes.unicode_minus"] = False
            return name
    raise Unavailable(
        "没有可用的中文字体（请安装 fonts-wqy-zenhei 或 fonts-noto-cjk）",
        error_id="cjk-font-missing",
        details={"searched": candidates},
    )


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


def _summary(report: Report) -> Figure:
    fig, ax = plt.subplots(figsize=A4)
    towns = report.group("township")
    names = [u.name for u in towns]
    values = [(u.satisfaction or 0) * 100 for u in towns]
    colors = [RED if u.flagged else (GREY if u.satisfaction is None else GREEN) for u in towns]
    ax.barh(names[::-1], values[::-1], color=colors[::-1])
    if report.average is not None and report.flag_metric == "satisfaction":
        ax.axvline(report.average * 100, color=AMBER, linestyle="--", label="全市乡镇平均")
        ax.legend(loc="lower right")
    ax.set_xlabel("满意率 %")
    ax.set_xlim(0, 100)
    ax.tick_params(axis="y", labelsize=7)
    flagged = "、".join(u.name for u in report.flagged) or "无"
    fig.suptitle(report.title, fontsize=15)
    ax.set_title(
        f"来件 {report.city.contacts}　工单 {report.city.cases}　"
        f"全市乡镇平均满意率 {_pct(report.average)}　点名通报：{flagged}",
        fontsize=9,
    )
    fig.tight_layout()
    return fig


def _departments(report: Report) -> Figure:
    fig, ax = plt.subplots(figsize=A4)
    deps = report.group("department")
    x = range(len(deps))
    w = 0.27
    for k, (label, attr, color) in enumerate(
        (("按时签收率", "ack_rate", GREEN), ("按时办结率", "done_rate", AMBER),
         ("满意率", "satisfaction", RED))
    ):  # fmt: skip
        ax.bar(
            [i + (k - 1) * w for i in x],
            [(getattr(u, attr) or 0) * 100 for u in deps],
            w,
            label=label,
            color=color,
        )
    ax.set_xticks(list(x), [u.name for u in deps], rotation=60, ha="right", fontsize=7)
    ax.set_ylim(0, 105)
    ax.set_ylabel("%")
    ax.legend()
    ax.set_title("市直部门三率（按综合得分排名）")
    fig.tight_layout()
    return fig


def _stages_and_ladder(report: Report) -> Figure:
    fig, (a1, a2) = plt.subplots(1, 2, figsize=A4)
    stages = ["overall", *(s.value for s in STAGES)]
    bottom = [0.0] * len(stages)
    for rating, color in zip(Rating, (GREEN, AMBER, RED), strict=True):
        vals = [float(report.city.stages.get(s, {}).get(int(rating), 0)) for s in stages]
        a1.bar([stage_label(s) for s in stages], vals, bottom=bottom, color=color,
               label={1: "满意", 2: "基本满意", 3: "不满意"}[int(rating)])  # fmt: skip
        bottom = [b + v for b, v in zip(bottom, vals, strict=True)]
    a1.set_title("分环节评价（受理、处置、反馈、结案）")
    a1.legend()
    totals = [sum(u.escalations.get(int(lv), 0) for u in report.units) for lv in LEVELS]
    a2.bar([f"{int(lv)}级" for lv in LEVELS], totals, color=[AMBER, "#ef6c00", RED, "#6a1b9a"])
    a2.set_title("督办（问责链）各级次数")
    fig.tight_layout()
    return fig


def _trend(report: Report) -> Figure:
    fig, (a1, a2) = plt.subplots(2, 1, figsize=A4, sharex=True)
    months = [m["month"] for m in report.trend]
    a1.bar(months, [m["volume"] for m in report.trend], color=GREY)
    a1.set_title("月度承办量")
    for key, label, color in (("ack_rate", "按时签收率", GREEN), ("done_rate", "按时办结率", AMBER),
                              ("satisfaction", "满意率", RED)):  # fmt: skip
        a2.plot(months, [(m[key] or 0) * 100 for m in report.trend], marker="o", label=label,
                color=color)  # fmt: skip
    a2.set_ylim(0, 105)
    a2.legend()
    a2.set_title("月度三率 %")
    fig.tight_layout()
    return fig


def _table(report: Report, kind: str, title: str) -> Figure:
    fig, ax = plt.subplots(figsize=A4)
    ax.axis("off")
    header = ["排名", "单位", "承办", "签收率", "办结率", "满意率", "重办", "督办", "推诿", "得分"]
    rows = [_row(u) for u in report.group(kind)]
    table = ax.table(cellText=rows, colLabels=header, loc="upper center", cellLoc="center")
    table.auto_set_font_size(False)
    table.set_fontsize(6.5)
    table.scale(1, 0.62 if len(rows) > 25 else 0.9)
    for i, u in enumerate(report.group(kind), 1):
        if u.flagged:
            for j in range(len(header)):
                table[i, j].set_facecolor("#f8d7da")
    ax.set_title(f"{title}（{report.period.title}）")
    return fig


def _row(u: UnitFigures) -> list[str]:
    return [
        "—" if u.rank is None else str(u.rank), u.name, str(u.volume), _pct(u.ack_rate),
        _pct(u.done_rate), _pct(u.satisfaction), str(u.reopened), str(u.escalation_total),
        str(u.strikes), "—" if u.score is None else f"{u.score * 100:.1f}",
    ]  # fmt: skip


def _definitions() -> Figure:
    fig = plt.figure(figsize=A4)
    fig.text(0.05, 0.92, "统计口径", fontsize=14)
    for i, line in enumerate(DEFINITIONS):
        fig.text(0.05, 0.85 - i * 0.06, line, fontsize=9, wrap=True)
    return fig


def render_pdf(report: Report, fonts: list[str]) -> bytes:
    use_cjk_font(fonts)
    out = BytesIO()
    with PdfPages(out, metadata={"Title": report.title, "Creator": "Liandong"}) as pdf:
        figures: list[Callable[[], Figure]] = [
            lambda: _summary(report),
            lambda: _departments(report),
            lambda: _stages_and_ladder(report),
            lambda: _trend(report),
            lambda: _table(report, "township", "乡镇街道排名"),
            lambda: _table(report, "department", "市直部门排名"),
            _definitions,
        ]
        for make in figures:
            fig = make()
            pdf.savefig(fig)
            plt.close(fig)
    return out.getvalue()
