"""``liandong demo``: the Qianxi demo data and demo logins."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any

import click
from tqdm import tqdm

from core.orgmap.demo import seed_demo
from liandong.cli.common import echo_json, load_settings, run_async
from liandong.demo.accounts import DEMO_ACCOUNTS, ensure_demo_accounts
from liandong.demo.channels import demo_credentials
from liandong.migrate import upgrade
from liandong.settings import Settings
from liandong.wiring import build


@click.group()
def demo() -> None:
    """Qianxi demo data (org map, grids, cameras, households) and demo logins."""


async def seed_all(settings: Settings, *, show_progress: bool) -> dict[str, Any]:
    bars: dict[str, tqdm[Any]] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if not show_progress:
            return
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=total, desc=stage, unit="row", leave=True)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    async with AsyncExitStack() as stack:
        c = await build(settings, stack)
        await upgrade(c.db)
        counts = await seed_demo(c.db, progress=progress)
        counts["demo_accounts_created"] = (
            await ensure_demo_accounts(c.db, c.auth) if settings.demo_accounts_allowed else 0
        )
    for bar in bars.values():
        bar.close()
    return counts


@demo.command("seed")
@click.option("--quiet", is_flag=True, help="No progress bars.")
def seed_cmd(quiet: bool) -> None:
    """Migrate, then write the Qianxi org map, gazetteer, cameras, households and
    (outside production) the demo accounts. Deterministic and idempotent."""
    settings = load_settings()
    echo_json(run_async(seed_all(settings, show_progress=not quiet)))


@demo.command("accounts")
def accounts_cmd() -> None:
    """Print the demo logins as JSON lines {"username", "password", "role"}."""
    settings = load_settings()
    if not settings.demo_accounts_allowed:
        raise click.ClickException("production mode has no demo accounts")
    for a in DEMO_ACCOUNTS:
        echo_json(
            {
                "username": a.username,
                "password": a.password,
                "role": a.role.value,
                "display_name": a.display_name,
                "unit": a.unit_name,
            }
        )


@demo.command("channels")
def channels_cmd() -> None:
    """Print the demo channel credentials (WeChat, SMS callbacks, a set-top box, Weibo,
    the app gateway) as one JSON object."""
    settings = load_settings()
    if not settings.demo_accounts_allowed:
        raise click.ClickException("production mode has no demo channel credentials")
    echo_json(demo_credentials(settings))
