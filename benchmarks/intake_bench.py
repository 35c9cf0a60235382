"""Intake: ``POST /api/v1/contacts`` end to end vs a bare FastAPI endpoint.

The subject is the real platform (``liandong serve``) on a freshly seeded database:
each request is authenticated, opens a case in one transaction with its contact,
case-log event and outbox row, and is published to the Redis intake stream. The
baseline is ``benchmarks/bare_app.py``: the same route and request model served by
uvicorn with the same options and worker count, returning a constant. Both are
driven by the same load generator in interleaved windows (bare, intake, intake, bare),
and the figure that matters is the ratio of successful requests per second,
intake / bare (target >= 0.3x), for SQLite and for PostgreSQL.

Everything runs on 127.0.0.1 with private resources: a private redis-server, a
SQLite file in a temp dir and a PostgreSQL database ``ld_bench_<random>`` created
and dropped here (on the server at --pg-url, or a throwaway cluster when none runs).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import _common as c
import asyncpg
import httpx
import redis
import uvloop

from tests.support.servers import PostgresServer, RedisServer, free_port, port_open

TARGET = 0.3
DEMO_USER = ("calltaker", "demo-calltaker-110")
CONTACTS_PATH = "/api/v1/contacts"
# A realistic text message; identical for every request so that the baseline and the
# subject parse exactly the same bytes. No idempotency key: each request is a new case.
BODY = json.dumps(
    {
        "channel": "app",
        "sender": "13900000000",
        "text": "城关镇人民路12号楼下有人占道经营，噪音很大，请派人处理。",
    },
    ensure_ascii=False,
)
SETTLE_S = 1.0
DEFAULT_PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


@dataclass
class LoadResult:
    """One measured window of one endpoint."""

    requests: int  # completed responses, any status
    ok: int  # 2xx responses: only these count towards throughput
    errors: int  # non-2xx responses plus socket errors and timeouts
    duration_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    # CPU the load generator itself used, in cores: near its thread count it was
    # the bottleneck, and a ratio against a saturated baseline flatters the subject.
    loadgen_cores: float = math.nan

    @property
    def ok_per_s(self) -> float:
        return self.ok / self.duration_s if self.duration_s > 0 else math.nan

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok_per_s": self.ok_per_s}


@dataclass
class DbResult:
    db: str
    bare: LoadResult | None = None
    intake: LoadResult | None = None
    stream_entries: int | None = None  # XLEN of the intake stream after the run
    intake_ok_total: int | None = None  # 201s the load generators saw, warm-up included
    error: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        if self.bare is None or self.intake is None:
            return math.nan
        return c.ratio(self.intake.ok_per_s, self.bare.ok_per_s)

    def as_dict(self) -> dict[str, Any]:
        r = self.ratio
        return {
            "db": self.db,
            "bare": self.bare.as_dict() if self.bare else None,
            "intake": self.intake.as_dict() if self.intake else None,
            "ratio": r,
            "target": TARGET,
            "pass": None if math.isnan(r) else r >= TARGET,
            "p50_ratio": (
                c.ratio(self.intake.p50_ms, self.bare.p50_ms)
                if self.bare and self.intake
                else math.nan
            ),
            "stream_entries": self.stream_entries,
            "intake_ok_total": self.intake_ok_total,
            "error": self.error,
            "notes": self.notes,
        }


# --- load generators -----------------------------------------------------------------

WRK_SCRIPT = """\
wrk.method = "POST"
wrk.body = [==[{body}]==]
wrk.headers["Content-Type"] = "application/json"
{auth}
-- One parseable line at the end; percentiles are in microseconds.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK_RESULT {{\\"requests\\": %.0f, \\"duration_us\\": %.0f, \\"p50_us\\": %.0f, "
    .. "\\"p99_us\\": %.0f, \\"max_us\\": %.0f, \\"connect\\": %.0f, \\"read\\": %.0f, "
    .. "\\"write\\": %.0f, \\"status\\": %.0f, \\"timeout\\": %.0f}}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
"""


class Wrk:
    name = "wrk"

    def __init__(self, exe: str, workdir: Path, *, threads: int) -> None:
        self.exe = exe
        self.workdir = workdir
        self.threads = threads
        self.cores = threads  # what it can use at most: one core per thread

    def version(self) -> str:
        out = subprocess.run(
            [self.exe, "--version"], capture_output=True, text=True, timeout=10, check=False
        )
        first = (out.stdout or out.stderr).splitlines()
        return first[0].split(" [")[0] if first else "wrk"

    def run(self, url: str, token: str | None, concurrency: int, duration_s: float) -> LoadResult:
        auth = f'wrk.headers["Authorization"] = "Bearer {token}"' if token else ""
        script = self.workdir / f"post-{uuid.uuid4().hex[:6]}.lua"
        script.write_text(WRK_SCRIPT.format(body=BODY, auth=auth), encoding="utf-8")
        threads = max(1, min(self.threads, concurrency))
        seconds = max(1, round(duration_s))
        args = [
            self.exe,
            f"-t{threads}",
            f"-c{concurrency}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            url,
        ]
        # wrk is our only child waited for meanwhile, so the children's rusage delta
        # is wrk's own CPU time.
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = subprocess.run(
            args, capture_output=True, text=True, timeout=seconds + 60, check=False
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        line = next((ln for ln in out.stdout.splitlines() if ln.startswith("WRK_RESULT ")), None)
        if out.returncode != 0 or line is None:
            raise RuntimeError(f"wrk failed ({out.returncode}): {out.stdout}\n{out.stderr}")
        d = json.loads(line.removeprefix("WRK_RESULT "))
        socket_errors = int(d["connect"] + d["read"] + d["write"] + d["timeout"])
        status_errors = int(d["status"])
        return LoadResult(
            requests=int(d["requests"]),
            ok=int(d["requests"]) - status_errors,
            errors=status_errors + socket_errors,
            duration_s=d["duration_us"] / 1e6,
            p50_ms=d["p50_us"] / 1000,
            p99_ms=d["p99_us"] / 1000,
            max_ms=d["max_us"] / 1000,
            loadgen_cores=cpu_s / (d["duration_us"] / 1e6) if d["duration_us"] else math.nan,
        )


class PythonLoad:
    """Fallback when wrk is not installed: ``concurrency`` keep-alive connections, each
    sending the next request as soon as the previous answer is read (closed loop),
    bounded in time and in count.

    It speaks minimal HTTP/1.1 over asyncio streams (on uvloop) instead of using
    httpx: httpx costs several ms of CPU per request, so on 2 cores it saturated at
    ~150 req/s against the bare app and reported a meaningless ratio near 1. This
    client only has to understand uvicorn's answers (Content-Length, keep-alive).
    """

    name = "python-asyncio"
    cores = 1  # one event loop

    def version(self) -> str:
        return "python asyncio raw HTTP/1.1 (uvloop)"

    def run(self, url: str, token: str | None, concurrency: int, duration_s: float) -> LoadResult:
        cpu0 = time.process_time()
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            result = runner.run(self._run(url, token, concurrency, duration_s))
        result.loadgen_cores = (time.process_time() - cpu0) / result.duration_s
        return result

    async def _run(
        self, url: str, token: str | None, concurrency: int, duration_s: float
    ) -> LoadResult:
        parts = urlsplit(url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        body = BODY.encode()
        head = (
            f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            + (f"Authorization: Bearer {token}\r\n" if token else "")
            + "\r\n"
        )
        request = head.encode() + body
        latencies: list[float] = []
        counts = {"requests": 0, "ok": 0, "errors": 0}
        cap_per_conn = int(duration_s * 20_000 / concurrency) + 1
        start = time.perf_counter()
        deadline = start + duration_s

        async def one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> int:
            writer.write(request)
            await writer.drain()
            header = await reader.readuntil(b"\r\n\r\n")
            status = int(header[9:12])
            lower = header.lower()
            at = lower.find(b"\r\ncontent-length:")
            if at < 0:
                raise ConnectionError("answer without Content-Length")
            length = int(lower[at + 17 : lower.index(b"\r\n", at + 2)])
            await reader.readexactly(length)
            return status

        async def connection() -> None:
            sent = 0
            while sent < cap_per_conn and time.perf_counter() < deadline:
                try:
                    reader, writer = await asyncio.open_connection(host, port)
                except OSError:
                    counts["errors"] += 1
                    await asyncio.sleep(0.1)
                    continue
                try:
                    while sent < cap_per_conn and time.perf_counter() < deadline:
                        sent += 1
                        t0 = time.perf_counter()
                        async with asyncio.timeout(10):
                            status = await one(reader, writer)
                        latencies.append(time.perf_counter() - t0)
                        counts["requests"] += 1
                        counts["ok" if 200 <= status < 300 else "errors"] += 1
                except (OSError, ValueError, TimeoutError, asyncio.IncompleteReadError):
                    counts["errors"] += 1  # then reconnect, like wrk does
                finally:
                    writer.close()

        async with asyncio.timeout(duration_s + 30):
            await asyncio.gather(*(connection() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
        latencies.sort()
        return LoadResult(
            requests=counts["requests"],
            ok=counts["ok"],
            errors=counts["errors"],
            duration_s=elapsed,
            p50_ms=c.percentile(latencies, 50) * 1000,
            p99_ms=c.percentile(latencies, 99) * 1000,
            max_ms=(latencies[-1] * 1000) if latencies else math.nan,
        )


LoadGen = Wrk | PythonLoad


def pick_loadgen(choice: str, workdir: Path, threads: int) -> LoadGen:
    exe = shutil.which("wrk")
    if choice == "wrk" and exe is None:
        raise SystemExit("--loadgen wrk: wrk is not on PATH (Debian: apt-get install wrk)")
    if choice in ("auto", "wrk") and exe is not None:
        return Wrk(exe, workdir, threads=threads)
    return PythonLoad()


def combine(windows: list[LoadResult]) -> LoadResult:
    """One figure from several measured windows of one endpoint. Throughput pools the
    counts; wrk reports percentiles per run only, so p50 is the median of the windows'
    p50s and p99/max the worst window's (conservative)."""
    total_s = sum(w.duration_s for w in windows)
    return LoadResult(
        requests=sum(w.requests for w in windows),
        ok=sum(w.ok for w in windows),
        errors=sum(w.errors for w in windows),
        duration_s=total_s,
        p50_ms=statistics.median(w.p50_ms for w in windows),
        p99_ms=max(w.p99_ms for w in windows),
        max_ms=max(w.max_ms for w in windows),
        loadgen_cores=sum(w.loadgen_cores * w.duration_s for w in windows) / total_s,
    )


def measure_pair(
    gen: LoadGen, urls: dict[str, str], token: str | None, args: argparse.Namespace, kind: str
) -> tuple[dict[str, LoadResult], dict[str, int]]:
    """Baseline and subject in ABBA order (bare, intake, intake, bare, ...), the
    --duration split over --rounds windows each: on a shared machine a slow minute
    then hits both sides alike instead of whichever ran during it. Each endpoint gets
    one discarded warm-up before its first window. Returns the combined results and
    each endpoint's 2xx count over all its windows, warm-up included."""
    windows: dict[str, list[LoadResult]] = {name: [] for name in urls}
    ok_total = dict.fromkeys(urls, 0)
    names = list(urls)
    window_s = args.duration / args.rounds
    previous = None
    for k in range(args.rounds):
        for name in names if k % 2 == 0 else names[::-1]:
            if previous not in (None, name):
                # Requests in flight when the generator stopped are still being served
                # (up to --concurrency intakes, ~0.3 s of CPU here): let them finish
                # before the other side's window starts on the same cores.
                time.sleep(SETTLE_S)
            previous = name
            if not windows[name] and args.warmup > 0:
                ok_total[name] += gen.run(urls[name], token, args.concurrency, args.warmup).ok
            r = gen.run(urls[name], token, args.concurrency, window_s)
            windows[name].append(r)
            ok_total[name] += r.ok
            c.log(
                f"{kind}/{name} window {len(windows[name])}/{args.rounds}: "
                f"{r.ok_per_s:,.1f} ok req/s, p50 {r.p50_ms:.2f} ms, p99 {r.p99_ms:.2f} ms, "
                f"errors {r.errors}"
            )
    return {name: combine(w) for name, w in windows.items()}, ok_total


# --- the platform under test -----------------------------------------------------------


@contextmanager
def postgres_admin_url(configured: str | None) -> Iterator[str]:
    """The server to create the benchmark database on: the one configured, else the
    machine's on 5432, else a throwaway cluster (as the test suite does)."""
    if configured:
        yield configured
        return
    if port_open("127.0.0.1", 5432):
        yield DEFAULT_PG_URL
        return
    c.log("no PostgreSQL on 127.0.0.1:5432; starting a throwaway cluster")
    server = PostgresServer().start()
    try:
        yield server.url
    finally:
        server.close()


async def _pg_admin(admin_url: str, sql: str) -> None:
    conn = await asyncpg.connect(c.pg_admin_dsn(admin_url), timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextmanager
def database(kind: str, tmp: Path, stack: ExitStack, pg_url: str | None) -> Iterator[str]:
    """A fresh, empty database for one run; yields its SQLAlchemy URL."""
    if kind == "sqlite":
        path = tmp / f"bench-{uuid.uuid4().hex[:6]}.db"
        yield f"sqlite+aiosqlite:///{path}"
        return
    admin = stack.enter_context(postgres_admin_url(pg_url))
    name = f"ld_bench_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin(admin, f"CREATE DATABASE {name}"))
    try:
        yield c.with_database(admin, name).replace("postgresql://", "postgresql+asyncpg://")
    finally:
        # FORCE: a server that did not shut down cleanly may still hold connections.
        asyncio.run(_pg_admin(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def platform_env(db_url: str, redis_url: str, prefix: str, tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            # development mode: the demo accounts log in; production would refuse them.
            "LIANDONG_MODE": "development",
            "LIANDONG_DATABASE__URL": db_url,
            "LIANDONG_REDIS__URL": redis_url,
            "LIANDONG_REDIS__PREFIX": prefix,
            "LIANDONG_VAR_DIR": str(tmp / "var"),
            "LIANDONG_LOG_JSON": "true",
        }
    )
    return env


def seed(env: dict[str, str], tmp: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "liandong", "demo", "seed", "--quiet"],
        env=env,
        cwd=tmp,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"liandong demo seed failed ({out.returncode}):\n{out.stderr[-3000:]}")


def login(base: str) -> str:
    resp = httpx.post(
        f"{base}/api/v1/auth/token",
        timeout=30,
        data={"username": DEMO_USER[0], "password": DEMO_USER[1]},
    )
    if resp.status_code != 200:
        raise RuntimeError(f"login failed: {resp.status_code} {resp.text[:300]}")
    token: str = resp.json()["access_token"]
    return token


def check_endpoint(url: str, token: str | None) -> None:
    """One request before loading: a misconfigured server would otherwise be measured
    answering 401/500 very quickly."""
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    resp = httpx.post(url, content=BODY.encode(), headers=headers, timeout=30)
    if resp.status_code != 201:
        raise RuntimeError(f"POST {url} answered {resp.status_code}: {resp.text[:300]}")


def run_db(
    kind: str,
    args: argparse.Namespace,
    gen: LoadGen,
    tmp: Path,
    rs: RedisServer,
    bare_url: str,
    stack: ExitStack,
) -> DbResult:
    res = DbResult(db=kind)
    prefix = f"ldbench-{kind}-{uuid.uuid4().hex[:6]}"
    with ExitStack() as local:
        db_url = local.enter_context(database(kind, tmp, stack, args.pg_url))
        env = platform_env(db_url, rs.url, prefix, tmp)
        c.log(f"{kind}: migrating and seeding the Qianxi demo data")
        seed(env, tmp)
        port = free_port()
        server = c.Server(
            f"liandong serve ({kind})",
            [
                sys.executable,
                "-m",
                "liandong",
                "serve",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
            ],
            env=env,
            cwd=tmp,
            log_path=tmp / f"serve-{kind}.log",
        )
        local.callback(server.stop)
        base = f"http://127.0.0.1:{port}"
        c.wait_http_ok(f"{base}/healthz", server)
        token = login(base)
        check_endpoint(f"{base}{CONTACTS_PATH}", token)
        c.log(
            f"{kind}: bare and intake, {args.rounds} rounds of "
            f"{args.duration / args.rounds:g}s each, concurrency {args.concurrency}"
        )
        results, ok_total = measure_pair(
            gen, {"bare": bare_url, "intake": f"{base}{CONTACTS_PATH}"}, token, args, kind
        )
        res.bare, res.intake = results["bare"], results["intake"]
        res.intake_ok_total = ok_total["intake"] + 1  # + the check request
        if res.bare.loadgen_cores >= 0.9 * gen.cores:
            res.notes.append(
                f"the load generator used {res.bare.loadgen_cores:.2f} of its {gen.cores} "
                "core(s) against the bare app: it, not the app, may set the baseline, "
                "so the ratio overstates intake (use wrk / --threads)"
            )
        if not server.alive():
            raise RuntimeError(f"liandong serve died during the run:\n{server.tail()}")
        res.stream_entries = int(redis.Redis.from_url(rs.url).xlen(f"{prefix}:intake"))
        if res.stream_entries < res.intake_ok_total:
            # Requests still in flight when wrk stops may be committed and published
            # without being counted, so only fewer entries than 201s is suspicious.
            res.notes.append(
                f"only {res.stream_entries} stream entries for "
                f"{res.intake_ok_total} 201 responses: publishes were deferred "
                f"to the outbox relay (see {server.log_path})"
            )
    return res


# --- report ----------------------------------------------------------------------------


def print_table(results: list[DbResult], args: argparse.Namespace, gen_version: str) -> None:
    print(
        f"Intake: POST {CONTACTS_PATH} end to end vs bare FastAPI "
        f"(load generator: {gen_version}; concurrency {args.concurrency}; "
        f"{args.workers} worker(s); {args.duration:g}s per side in {args.rounds} ABBA windows, "
        f"after {args.warmup:g}s warm-up)"
    )
    print(
        f"{'db':<9}{'endpoint':<9}{'ok req/s':>11}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}"
        f"{'errors':>8}{'gen cores':>11}"
    )
    for r in results:
        if r.error:
            print(f"{r.db:<9}ERROR: {r.error}")
            continue
        for label, lr in (("bare", r.bare), ("intake", r.intake)):
            if lr is None:
                continue
            print(
                f"{r.db:<9}{label:<9}{c.fmt(lr.ok_per_s):>11}{c.fmt(lr.p50_ms, 2):>9}"
                f"{c.fmt(lr.p99_ms, 2):>9}{c.fmt(lr.max_ms, 2):>9}{lr.errors:>8}"
                f"{c.fmt(lr.loadgen_cores, 2):>11}"
            )
        ratio = r.ratio
        p50r = r.as_dict()["p50_ratio"]
        print(
            f"{r.db:<9}ratio intake/bare = {c.fmt(ratio, 3)}x (target >= {TARGET}x) "
            f"{c.verdict(ratio >= TARGET)}; p50 latency {c.fmt(p50r, 1)}x bare; "
            f"stream entries {r.stream_entries} for {r.intake_ok_total} 201s"
        )
        for note in r.notes:
            print(f"{r.db:<9}note: {note}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--duration", type=float, default=10.0, help="measured seconds per side, over --rounds [10]"
    )
    p.add_argument(
        "--warmup", type=float, default=2.0, help="discarded seconds before each side [2]"
    )
    p.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="windows per side, in ABBA order; --duration is split over them [2]",
    )
    p.add_argument("--concurrency", type=int, default=32, help="open connections [32]")
    p.add_argument("--workers", type=int, default=1, help="uvicorn workers for both [1]")
    p.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    p.add_argument(
        "--loadgen",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="auto: wrk when on PATH, else the Python generator [auto]",
    )
    p.add_argument(
        "--threads",
        type=int,
        default=1,
        help="wrk threads; 1 leaves the other core to the server [1]",
    )
    p.add_argument(
        "--pg-url",
        default=os.environ.get("LIANDONG_BENCH_PG_URL"),
        help="PostgreSQL server to create the benchmark database on "
        "[$LIANDONG_BENCH_PG_URL, else 127.0.0.1:5432, else a throwaway one]",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    args = p.parse_args(argv)
    if args.duration <= 0 or args.duration > 600 or args.warmup < 0 or args.warmup > 60:
        p.error("--duration must be in (0, 600] and --warmup in [0, 60]")
    if not 1 <= args.rounds <= 20 or args.duration / args.rounds < 1:
        p.error("--rounds must be in [1, 20] with windows of at least 1 s")
    if not 1 <= args.concurrency <= 1000 or not 1 <= args.workers <= 16:
        p.error("--concurrency must be in [1, 1000] and --workers in [1, 16]")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results: list[DbResult] = []
    tmp = Path(tempfile.mkdtemp(prefix="ld-bench-intake-"))
    gen = pick_loadgen(args.loadgen, tmp, args.threads)
    gen_version = gen.version()
    c.log(f"load generator: {gen_version}; work dir {tmp}")
    failed = False
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, tmp, True)
        rs = RedisServer().start()
        stack.callback(rs.close)
        bare_port = free_port()
        bare = c.Server(
            "bare FastAPI",
            [
                sys.executable,
                str(c.HERE / "bare_app.py"),
                "--port",
                str(bare_port),
                "--workers",
                str(args.workers),
            ],
            env=dict(os.environ),
            cwd=tmp,
            log_path=tmp / "bare.log",
        )
        stack.callback(bare.stop)
        c.wait_http_ok(f"http://127.0.0.1:{bare_port}/healthz", bare)
        bare_url = f"http://127.0.0.1:{bare_port}{CONTACTS_PATH}"
        check_endpoint(bare_url, None)
        for kind in kinds:
            try:
                results.append(run_db(kind, args, gen, tmp, rs, bare_url, stack))
            except Exception as exc:  # report the other database's figures all the same
                failed = True
                c.log(f"{kind}: ERROR {exc}")
                results.append(DbResult(db=kind, error=str(exc).splitlines()[0][:300]))
    if args.json:
        print(
            json.dumps(
                c.json_safe(
                    {
                        "benchmark": "intake",
                        "loadgen": gen_version,
                        "duration_s": args.duration,
                        "warmup_s": args.warmup,
                        "rounds": args.rounds,
                        "concurrency": args.concurrency,
                        "workers": args.workers,
                        "target_ratio": TARGET,
                        "results": [r.as_dict() for r in results],
                    }
                ),
                ensure_ascii=False,
            )
        )
    else:
        print_table(results, args, gen_version)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
