"""``liandong demo history``: months of deterministic history for the reports."""

from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import date
from typing import Any

import click
from tqdm import tqdm

from core.orgmap.demo import seed_demo
from core.storage.engine import Database
from liandong.cli.common import echo_json, load_settings, run_async
from liandong.demo.history import SEED
from liandong.demo.history_run import generate_history
from liandong.migrate import upgrade
from liandong.settings import Settings


async def write_history(
    settings: Settings,
    *,
    months: int,
    per_day: float,
    until: date | None = None,
    seed: int = SEED,
    show_progress: bool = True,
) -> dict[str, Any]:
    async with AsyncExitStack() as stack:
        db = Database(settings.database)
        stack.push_async_callback(db.close)
        await upgrade(db)
        await seed_demo(db)  # idempotent: the units the history refers to
        bar = tqdm(total=months, desc="history", unit="month", disable=not show_progress)
        stack.callback(bar.close)
        seen = {"days": 0}

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.unit = "day"
            bar.update(done - seen["days"])
            seen["days"] = done

        result = await generate_history(
            settings, db, months=months, per_day=per_day, until=until, seed=seed,
            progress=progress,
        )  # fmt: skip
    return {
        "months": result.months,
        "days": result.days,
        "rows": result.counts,
        "seconds": round(result.seconds, 1),
    }


@click.command("history")
@click.option("--months", default=12, show_default=True, type=click.IntRange(1, 60))
@click.option(
    "--per-day",
    default=300.0,
    show_default=True,
    type=click.FloatRange(1, 100_000),
    help="Average contacts per day (seasonality varies it).",
)
@click.option(
    "--until",
    default=None,
    metavar="YYYY-MM",
    help="The first month NOT generated [this month]: history covers the months before.",
)
@click.option("--seed", default=SEED, show_default=True, help="Same seed, same history.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def history(months: int, per_day: float, until: str | None, seed: int, quiet: bool) -> None:
    """Generate a deterministic, realistic history of past months (seasonality,
    categories, townships, units with habits including laggards, ratings, 重办,
    escalations) so the assessment reports have something to show. Refuses when the
    database already has cases on those days."""
    settings = load_settings()
    end = None
    if until is not None:
        try:
            y, m = (int(x) for x in until.split("-"))
            end = date(y, m, 1)
        except ValueError:
            raise click.BadParameter("use YYYY-MM, e.g. 2026-11", param_hint="--until") from None
    echo_json(
        run_async(
            write_history(
                settings, months=months, per_day=per_day, until=end, seed=seed,
                show_progress=not quiet,
            )
        )
    )  # fmt: skip
