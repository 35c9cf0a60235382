"""``liandong report monthly|quarterly|annual``: the assessment reports as files."""

from __future__ import annotations

from contextlib import AsyncExitStack
from pathlib import Path

import click
from tqdm import tqdm

from core.storage.engine import Database
from core.worktime.periods import Kind
from liandong.cli.common import load_settings, run_async
from liandong.settings import Settings
from reports.html import render_html
from reports.service import STEPS, Report, ReportService


async def build_report(settings: Settings, kind: str, period: str, bar: tqdm[None]) -> Report:
    async with AsyncExitStack() as stack:
        db = Database(settings.database)
        stack.push_async_callback(db.close)
        service = ReportService(
            db, settings.reports, center=settings.center_name, timezone=settings.cases.timezone
        )

        def progress(step: str) -> None:
            bar.set_postfix_str(step)
            bar.update(1)

        return await service.build(kind, period, progress)


def render(report: Report, fmt: str, settings: Settings) -> bytes:
    if fmt == "xlsx":
        from reports.xlsx import render_xlsx

        return render_xlsx(report)
    if fmt == "pdf":
        from reports.pdf import render_pdf

        return render_pdf(report, settings.reports.cjk_fonts)
    return render_html(report).encode()


@click.command("report")
@click.argument("kind", type=click.Choice([k.value for k in Kind]))
@click.option(
    "--period", required=True, help="2026-10 (monthly), 2026-Q3 (quarterly), 2026 (annual)."
)
@click.option(
    "--format", "fmt", type=click.Choice(["xlsx", "pdf", "html"]), default="xlsx",
    show_default=True,
)  # fmt: skip
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--quiet", is_flag=True, help="No progress bar.")
def report(kind: str, period: str, fmt: str, output: Path, quiet: bool) -> None:
    """Monthly notice (月度通报), quarterly assessment (季度考核) or annual review
    (年度总评) of every department and township: volumes, the three rates (三率),
    重办, escalations by ladder step, 推诿 strikes, ranks and the named townships."""
    settings = load_settings()
    with tqdm(total=len(STEPS) + 1, desc=f"{kind} {period}", disable=quiet) as bar:
        built = run_async(build_report(settings, kind, period, bar))
        bar.set_postfix_str(fmt)
        data = render(built, fmt, settings)
        bar.update(1)
    output.write_bytes(data)
    flagged = "、".join(u.name for u in built.flagged) or "无"
    click.echo(f"{output}: {built.title}，{len(built.units)} 个单位，点名通报：{flagged}")
