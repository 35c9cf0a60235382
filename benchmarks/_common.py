"""Helpers shared by the benchmark scripts (not a benchmark itself). Import it first.

The scripts are run by path (``python benchmarks/intake_bench.py``), so this module
is imported as a sibling (``import _common``) rather than as part of a package.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import httpx

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
# The scripts use the test harness (tests.support.servers: throwaway Redis and
# PostgreSQL) and the protocol simulators; run by path, they need the repository root.
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def log(msg: str) -> None:
    """Progress goes to stderr so that ``--json`` output on stdout stays parseable."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted sequence (NaN when empty)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return float(sorted_values[min(rank, len(sorted_values)) - 1])


def ratio(numerator: float, denominator: float) -> float:
    if denominator <= 0 or math.isnan(denominator) or math.isnan(numerator):
        return math.nan
    return numerator / denominator


def fmt(value: float, digits: int = 1) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:,.{digits}f}"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def json_safe(obj: Any) -> Any:
    """NaN is not JSON; report a missing figure as null."""
    if isinstance(obj, float) and math.isnan(obj):
        return None
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_safe(v) for v in obj]
    return obj


class Server:
    """A child process we started, in its own session so that a server that forks
    workers (uvicorn --workers N) can be stopped as one group — by our child's own
    process-group id, never by name."""

    def __init__(
        self, name: str, args: list[str], *, env: dict[str, str], cwd: Path, log_path: Path
    ) -> None:
        self.name = name
        self.args = args
        self.log_path = log_path
        self._log: IO[bytes] = log_path.open("wb")
        self.proc = subprocess.Popen(
            args,
            env=env,
            cwd=cwd,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def alive(self) -> bool:
        return self.proc.poll() is None

    def tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 15.0) -> None:
        if self.proc.poll() is None:
            # SIGTERM first: uvicorn shuts down gracefully and runs the lifespan's
            # cleanup (closes the DB pool, so PostgreSQL lets us drop the database).
            self._signal_group(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.proc.wait(5)
        self._log.close()

    def _signal_group(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)  # pgid == pid: start_new_session above


def wait_http_ok(url: str, server: Server, timeout: float = 60.0) -> None:
    """Poll ``url`` until it answers 200; fail early if the server died."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if not server.alive():
            raise RuntimeError(
                f"{server.name} exited with {server.proc.returncode}:\n{server.tail()}"
            )
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError as exc:
            last = str(exc)
        time.sleep(0.2)
    raise RuntimeError(
        f"{server.name} did not answer {url} within {timeout:.0f}s ({last}):\n{server.tail()}"
    )


def pg_admin_dsn(url: str) -> str:
    """asyncpg wants ``postgresql://``; the platform's settings use the SQLAlchemy form."""
    return url.replace("postgresql+asyncpg://", "postgresql://")


def with_database(url: str, database: str) -> str:
    return f"{url.rsplit('/', 1)[0]}/{database}"


async def bench_database(pg_url: str, name: str, *, fresh: bool) -> tuple[str, str]:
    """Create the benchmark's own database ``name`` on ``pg_url``'s server unless it is
    there (a cache between runs; ``fresh`` drops it first). Returns its asyncpg DSN and
    its SQLAlchemy URL."""
    import asyncpg  # only the PostgreSQL benchmarks need it

    admin = await asyncpg.connect(pg_url)
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists and fresh:
            await admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
            exists = None
        if not exists:
            await admin.execute(f"CREATE DATABASE {name}")
    finally:
        await admin.close()
    dsn = with_database(pg_url, name)
    return dsn, dsn.replace("postgresql://", "postgresql+asyncpg://")
