"""``liandong drill``: a surge, optional chaos, and what the platform kept of it."""

from __future__ import annotations

from typing import Any

import click

from liandong.cli.common import echo_json, load_settings, run_async
from liandong.drill.chaos import FAULTS


def _faults(_: click.Context, __: click.Parameter, value: str | None) -> list[str]:
    names = [n.strip() for n in (value or "").split(",") if n.strip()]
    unknown = sorted(set(names) - set(FAULTS))
    if unknown:
        raise click.BadParameter(f"unknown: {', '.join(unknown)} (known: {', '.join(FAULTS)})")
    return names


@click.command()
@click.option("--duration", type=float, required=True, help="Seconds of surge.")
@click.option(
    "--rate",
    type=float,
    default=10.0,
    show_default=True,
    help="Multiple of a city peak (Beijing 110: 3.5 contacts/s over all channels).",
)
@click.option(
    "--chaos",
    callback=_faults,
    default="",
    help=f"Faults to inject while it runs, comma-separated: {','.join(FAULTS)}.",
)
@click.option("--json", "as_json", is_flag=True, help="End with one JSON object on a line.")
def drill(duration: float, rate: float, chaos: list[str], as_json: bool) -> None:
    """Drive the running platform (LIANDONG_DRILL__API_URL, loopback only) the way a
    surge does, through WeChat, SMS, the app, set-top boxes and grid workers with the
    protocol simulators; inject faults; then reconcile every contact sent against what
    the platform holds: sent, in a case, merged, duplicated, lost, p50/p95/p99 to the
    queue, and per fault what happened."""
    from liandong.drill.service import run_drill  # heavier imports

    settings = load_settings()
    result = run_async(run_drill(settings, duration, rate, chaos, click.echo))
    _print_table(result)
    if as_json:
        echo_json(result)


def _print_table(r: dict[str, Any]) -> None:
    rows = ["sent", "refused", "unanswered_but_held", "calls", "calls_failed", "deliveries",
            "in_cases", "merged", "duplicated", "lost",
            "not_queued", "callbacks", "p50_to_queue_s", "p95_to_queue_s", "p99_to_queue_s",
            "p99_to_queue_calm_s", "contacts_per_s"]  # fmt: skip
    click.echo(f"\ndrill {r['drill']}: {r['duration_s']} s at {r['rate']:.1f}× a city peak")
    for k in rows:
        click.echo(f"  {k:<22} {r[k]}")
    for f in r["faults"]:
        click.echo(f"  fault {f['fault']:<10} at {f['at_s']:>6} s  sent within 10 s "
                   f"{f['sent_within_10_s']:>5}  lost {f['lost']}  p99 to queue "
                   f"{f['p99_to_queue_s']} s  ({f['detail']})")  # fmt: skip


__all__ = ["drill"]
