"""Run every benchmark with its defaults and print a short summary (``make bench``).

Each benchmark runs as its own process with ``--json`` (its progress goes to stderr),
so one that crashes cannot take the other's figures with it. Missing a target is a
result, not an error: the exit code is 0 then, and non-zero only when a benchmark
could not produce its figures.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from typing import Any

import _common as c

# Generous: intake seeds two databases and loads 4 x (warm-up + duration) seconds.
TIMEOUT_S = 1200


def run(script: str, extra: list[str]) -> tuple[dict[str, Any] | None, str | None]:
    args = [sys.executable, str(c.HERE / script), "--json", *extra]
    c.log(f"running {' '.join(args[1:])}")
    try:
        out = subprocess.run(
            args, stdout=subprocess.PIPE, text=True, timeout=TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        return None, f"{script} did not finish within {TIMEOUT_S}s"
    report: dict[str, Any] | None = None
    lines = out.stdout.strip().splitlines()
    if lines:
        try:
            report = json.loads(lines[-1])
        except json.JSONDecodeError:
            report = None
    if out.returncode != 0 or report is None:
        return report, f"{script} exited with {out.returncode}"
    return report, None


def summarize_intake(rep: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    rows = []
    for r in rep["results"]:
        name = f"intake POST /contacts, {r['db']}"
        if r.get("error"):
            rows.append((name, "ERROR", "", r["error"][:60]))
            continue
        ratio = r["ratio"]
        rows.append((
            name,
            f"{c.fmt(ratio, 3)}x bare",
            f">= {rep['target_ratio']}x",
            f"{c.verdict(bool(r['pass']))}  ({c.fmt(r['intake']['ok_per_s'])} vs "
            f"{c.fmt(r['bare']['ok_per_s'])} req/s, {rep['loadgen']})",
        ))  # fmt: skip
    return rows


def summarize_queue(rep: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    lat, t = rep["latency"], rep["throughput"]
    p = lat["platform"]
    return [
        (
            f"queue p99 publish->consume @ {lat['rate']:g}/s",
            f"{c.fmt(p['p99_ms'], 3)} ms",
            f"<= {lat['target_p99_ms']:g} ms",
            f"{c.verdict(bool(lat['pass']))}  ({c.fmt(lat['p99_ratio'], 2)}x redis-py baseline "
            f"{c.fmt(lat['raw_redis_py']['p99_ms'], 3)} ms; median round p99 "
            f"{c.fmt(p['median_round_p99_ms'], 3)} ms)",
        ),
        (
            "queue publish throughput",
            f"{c.fmt(t['ratio'], 3)}x redis-benchmark",
            "(no target)",
            f"({c.fmt(t['platform_per_s'])} vs {c.fmt(t['redis_benchmark_per_s'])} XADD/s; "
            f"redis-py {c.fmt(t['raw_ratio'], 3)}x)",
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="3 s measurements instead of 10 s (a smoke run)"
    )
    parser.add_argument("--json", action="store_true", help="print both reports as one JSON")
    args = parser.parse_args(argv)
    extra = ["--duration", "3"] if args.quick else []

    reports: dict[str, Any] = {}
    errors: list[str] = []
    rows: list[tuple[str, str, str, str]] = []
    for key, script, summarize in (
        ("intake", "intake_bench.py", summarize_intake),
        ("queue", "queue_bench.py", summarize_queue),
    ):
        rep, err = run(script, extra)
        if err:
            errors.append(err)
        if rep is not None:
            reports[key] = rep
            rows += summarize(rep)
        else:
            rows.append((key, "ERROR", "", err or ""))

    if args.json:
        print(json.dumps({"reports": reports, "errors": errors}, ensure_ascii=False))
    else:
        width = max(len(r[0]) for r in rows) + 2
        print(f"\n{'benchmark':<{width}}{'measured':<26}{'target':<12}verdict")
        for name, measured, target, verdict in rows:
            print(f"{name:<{width}}{measured:<26}{target:<12}{verdict}")
        for err in errors:
            print(f"error: {err}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
