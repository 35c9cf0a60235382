"""Telephony: calls through our Stasis app vs plain dialplan, on the same Asterisk.

One private Asterisk 22 (the development root, its own instance on free ports), one
private redis-server, a seeded SQLite database, and the real processes: ``liandong
asterisk app`` (the Stasis app), ``liandong worker`` (intake) and ``liandong serve``
(the API). sipp places the calls.

(a) Capacity. For each rate in --rates, ``sipp -r <rate>`` places rate × --step-s
    calls held --hold-ms each, first into the baseline - a benchmark-only context
    (Answer, Playback of the same greeting, Wait) reached only from the loopback
    address 127.0.0.2 (``bench_match``) - then into the hotline path (Stasis app:
    contact, case, greeting, holding bridge, recording). A step passes with 0 failed
    calls; the figure is the highest passing rate, stasis / baseline (target ≥ 0.5×),
    and CPU per concurrent call (Asterisk + our app, from /proc, target ≤ 1.3×) at
    the highest rate both passed.
(b) Latency. At --latency-rate calls/s for --latency-s, the time from each INVITE
    (sipp's message trace) to its case in ``GET /api/v1/queue`` (polled every 20 ms):
    p50 / p95 / max (target p95 ≤ 300 ms), beside the same figure for contacts
    POSTed to ``/api/v1/contacts`` at the same rate (the queue's own latency on this
    machine, right now), and the share until the Stasis app has written the contact.

Run: ``.venv/bin/python benchmarks/telephony_bench.py`` (as root: chroot), ~2-3 min.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import secrets
import shutil
import sqlite3
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import _common as c
import httpx
from pydantic import SecretStr

from telephony.asterisk import rootfs, runner
from telephony.settings import TelephonySettings
from tests.support.servers import RedisServer, free_port

SCENARIO = c.REPO / "tests" / "telephony" / "scenarios" / "uac_numbered.xml"
BENCH_IP = "127.0.0.2"
TICK = os.sysconf("SC_CLK_TCK")
_FAILED = re.compile(r"Failed call\s+\|\s+\d+\s+\|\s+(\d+)")
_OK = re.compile(r"Successful call\s+\|\s+\d+\s+\|\s+(\d+)")
_STAMP = re.compile(r"^-{10,} (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6})\s*$")
_FROM = re.compile(r"^From:.*?<sip:(\d+)@", re.MULTILINE)


def free_udp_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_s(pid: int) -> float:
    """utime + stime of one process, in seconds (fields 14 and 15 of /proc/pid/stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def ari(t: TelephonySettings, path: str) -> Any:
    r = httpx.get(
        f"{t.ari_base_url}/ari{path}",
        auth=(t.ari_user, t.ari_password.get_secret_value()),
        timeout=5,
    )
    r.raise_for_status()
    return r.json()


def wait_idle(t: TelephonySettings, limit_s: float = 15) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if not ari(t, "/channels"):
            return
        time.sleep(0.2)
    c.log("warning: channels still up after the step")


def sipp(
    t: TelephonySettings, *, did: str, source: str, rate: float, calls: int, hold_ms: int,
    cwd: Path, trace: bool = False, prefix: str = "1380000",
) -> tuple[int, int, int, str]:  # fmt: skip
    """One sipp run: (exit code, successful, failed, output tail)."""
    import subprocess

    args = [
        "sipp", "-sf", str(SCENARIO), "-key", "prefix", prefix, "-s", did,
        f"127.0.0.1:{t.sip_port}",
        "-i", source, "-p", str(free_udp_port()), "-r", str(rate), "-m", str(calls),
        "-d", str(hold_ms), "-l", str(max(10, int(rate * (hold_ms / 1000 + 12)))),
        "-nostdin", "-timeout", str(int(calls / rate + hold_ms / 1000 + 15)),
        "-timeout_error", "-max_socket", "4096",
    ]  # fmt: skip
    if trace:
        args += ["-trace_msg"]
    out = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    text = out.stdout + out.stderr
    ok = int(m.group(1)) if (m := _OK.search(text)) else 0
    failed = int(m.group(1)) if (m := _FAILED.search(text)) else calls - ok
    return out.returncode, ok, failed, text[-1500:]


def step(
    t: TelephonySettings, mode: str, rate: float, args: argparse.Namespace, pids: list[int],
    cwd: Path,
) -> dict[str, Any]:  # fmt: skip
    calls = max(1, int(rate * args.step_s))
    before = sum(cpu_s(p) for p in pids)
    started = time.monotonic()
    rc, ok, failed, tail = sipp(
        t, did="110", source=BENCH_IP if mode == "baseline" else "127.0.0.1", rate=rate,
        calls=calls, hold_ms=args.hold_ms, cwd=cwd,
    )  # fmt: skip
    wall = time.monotonic() - started
    cpu = sum(cpu_s(p) for p in pids) - before
    wait_idle(t)
    # Little's law: concurrent calls = arrival rate × time each call stays up.
    concurrent = rate * (args.hold_ms / 1000)
    result = {
        "mode": mode, "rate": rate, "calls": calls, "ok": ok, "failed": failed, "rc": rc,
        "wall_s": round(wall, 2), "cpu_s": round(cpu, 3),
        "cpu_ms_per_call": round(1000 * cpu / calls, 2),
        "concurrent": concurrent,
        "cpu_pct_per_concurrent_call": round(100 * cpu / wall / concurrent, 4),
    }  # fmt: skip
    c.log(
        f"{mode:8s} {rate:5.1f} calls/s: {ok}/{calls} ok, {failed} failed, "
        f"CPU {cpu:.2f} s ({result['cpu_ms_per_call']} ms/call)"
    )
    if failed:
        c.log(tail[-600:])
    return result


def _passed(step: dict[str, Any]) -> bool:
    """Every call placed and completed: none failed, none still hanging at the end."""
    return bool(step["rc"] == 0 and step["failed"] == 0 and step["ok"] == step["calls"])


def capacity(
    t: TelephonySettings, args: argparse.Namespace, pids: list[int], cwd: Path
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for mode in ("baseline", "stasis"):
        steps = []
        for rate in args.rates:
            r = step(t, mode, rate, args, pids, cwd)
            steps.append(r)
            if not _passed(r):
                break
        passed = [s["rate"] for s in steps if _passed(s)]
        out[mode] = {"steps": steps, "max_rate": max(passed) if passed else 0.0}
    common = min(out["baseline"]["max_rate"], out["stasis"]["max_rate"])

    def at(mode: str) -> dict[str, Any] | None:
        return next((s for s in out[mode]["steps"] if s["rate"] == common), None)

    b, s = at("baseline"), at("stasis")
    out["rate_ratio"] = c.ratio(out["stasis"]["max_rate"], out["baseline"]["max_rate"])
    out["cpu_rate"] = common
    # CPU per concurrent call = CPU per second / (rate × hold) = CPU per call / hold:
    # at the same rate and hold time its ratio is the ratio of CPU per call, which does
    # not depend on how long sipp's run took to drain.
    out["cpu_ratio"] = (
        c.ratio(s["cpu_ms_per_call"], b["cpu_ms_per_call"]) if b and s else float("nan")
    )
    return out


def invite_times(trace_dir: Path, direction: str = "sent") -> dict[str, float]:
    """Caller number → epoch time sipp first sent (or received: a seat phone's trace)
    its INVITE, from the message traces under ``trace_dir``."""
    times: dict[str, float] = {}
    for path in trace_dir.glob("**/*_messages.log"):
        stamp = 0.0
        block: list[str] = []
        end = "-" * 20 + " 1970-01-01 00:00:00.000000"
        for line in [*path.read_text(errors="replace").splitlines(), end]:
            m = _STAMP.match(line)
            if m:
                text = "\n".join(block)
                if f"message {direction}" in text and "\nINVITE " in f"\n{text}":
                    f = _FROM.search(text)
                    if f and stamp < times.get(f.group(1), math.inf):
                        times[f.group(1)] = stamp
                # sipp writes local wall-clock time, as a naive datetime does.
                stamp = datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S.%f").timestamp()
                block = []
            else:
                block.append(line)
    return times


async def poll_queue(base: str, token: str, stop: asyncio.Event, seen: dict[str, float]) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=5) as http:
        while not stop.is_set():
            r = await http.get(
                "/api/v1/queue", params={"limit": 500},
                headers={"Authorization": f"Bearer {token}"},
            )  # fmt: skip
            now = time.time()
            if r.status_code == 200:
                for item in r.json()["items"]:
                    seen.setdefault(item["case_number"], now)
            await asyncio.sleep(0.02)


async def _http_intake(
    base: str, token: str, rate: float, count: int, prefix: str, sent: dict[str, float]
) -> None:
    """The baseline: the same number of phone contacts posted to POST /api/v1/contacts
    (no Asterisk, no Stasis app), at the same rate."""
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:

        async def one(n: int) -> None:
            sender = f"{prefix}{n}"
            sent[sender] = time.time()
            await http.post(
                "/api/v1/contacts",
                json={"channel": "phone", "hotline": "110", "sender": sender, "text": "来电"},
                headers={"Authorization": f"Bearer {token}"},
            )  # fmt: skip

        tasks = []
        for n in range(1, count + 1):
            tasks.append(asyncio.create_task(one(n)))
            await asyncio.sleep(1 / rate)
        await asyncio.gather(*tasks)


def _latencies(
    db: Path, prefix: str, sent: dict[str, float], seen: dict[str, float]
) -> tuple[list[float], list[float]]:
    """(send → visible in the queue, send → contact row written), sorted, in ms."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT contacts.sender, cases.number, contacts.received_at FROM contacts "
            "JOIN cases ON cases.id = contacts.case_id WHERE contacts.sender LIKE ?",
            (f"{prefix}%",),
        ).fetchall()
    queue = sorted(
        1000 * (seen[number] - sent[sender])
        for sender, number, _ in rows
        if number in seen and sender in sent
    )
    written = sorted(
        1000 * (_utc(received) - sent[sender]) for sender, _, received in rows if sender in sent
    )
    return queue, written


def latency(
    t: TelephonySettings, args: argparse.Namespace, base: str, token: str, db: Path, cwd: Path
) -> dict[str, Any]:
    calls = int(args.latency_rate * args.latency_s)
    trace = cwd / "trace"
    trace.mkdir()
    tag = secrets.randbelow(10_000)
    phone, posted = f"139{tag:04d}", f"137{tag:04d}"  # senders of this run only
    seen: dict[str, float] = {}
    sent: dict[str, float] = {}

    async def run(kind: str) -> None:
        stop = asyncio.Event()
        poller = asyncio.create_task(poll_queue(base, token, stop, seen))
        before = len(seen)
        if kind == "phone":
            await asyncio.to_thread(
                sipp, t, did="110", source="127.0.0.1", rate=args.latency_rate,
                calls=calls, hold_ms=args.latency_hold_ms, cwd=trace, trace=True,
                prefix=phone,
            )  # fmt: skip
        else:
            await _http_intake(base, token, args.latency_rate, calls, posted, sent)
        for _ in range(100):  # until every case is in the queue, at most 10 s
            if len(seen) - before >= calls:
                break
            await asyncio.sleep(0.1)
        stop.set()
        await poller

    asyncio.run(run("http"))  # baseline first: nothing else is running yet
    asyncio.run(run("phone"))
    wait_idle(t)
    base_q, base_w = _latencies(db, posted, sent, seen)
    tel_q, tel_w = _latencies(db, phone, invite_times(trace), seen)
    return {
        "rate": args.latency_rate, "calls": calls, "measured": len(tel_q),
        "p50_ms": c.percentile(tel_q, 50), "p95_ms": c.percentile(tel_q, 95),
        "max_ms": tel_q[-1] if tel_q else float("nan"),
        "to_contact_p50_ms": c.percentile(tel_w, 50),
        "to_contact_p95_ms": c.percentile(tel_w, 95),
        "baseline_p50_ms": c.percentile(base_q, 50),
        "baseline_p95_ms": c.percentile(base_q, 95),
        "baseline_to_contact_p95_ms": c.percentile(base_w, 95),
    }  # fmt: skip


def _utc(text: str) -> float:
    stamp = datetime.fromisoformat(text)
    return (stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)).timestamp()


def can_run() -> bool:
    if not rootfs.is_root() or shutil.which("sipp") is None:
        c.log("needs root (chroot) and sipp")
        return False
    return True


def private_setup(
    stack: ExitStack, name: str, rtp_low: int, rtp_ports: int, **overrides: Any
) -> tuple[Path, RedisServer, TelephonySettings]:
    """A scratch directory, a private redis-server and the settings of a private
    Asterisk instance on free ports (with the benchmark-only loopback source)."""
    tmp = Path(tempfile.mkdtemp(prefix=f"ld-{name}-"))
    stack.callback(shutil.rmtree, tmp, True)
    rs = RedisServer().start()
    stack.callback(rs.close)
    t = TelephonySettings(
        rootfs=c.REPO / "var" / "asterisk-root", instance=f"{name}-{os.getpid()}",
        sip_port=free_udp_port(), http_port=free_port(),
        rtp_ports=(rtp_low, rtp_low + rtp_ports - 1),
        ari_password=SecretStr(secrets.token_hex(12)),
        seat_secret=SecretStr(secrets.token_hex(12)), bench_match=BENCH_IP, **overrides,
    )  # fmt: skip
    return tmp, rs, t


def bench_env(
    t: TelephonySettings, *, db: Path, redis_url: str, prefix: str, var: Path
) -> dict[str, str]:
    """The environment of the platform's processes in a benchmark run."""
    return {
        **os.environ,
        "LIANDONG_MODE": "development",
        "LIANDONG_DATABASE__URL": f"sqlite+aiosqlite:///{db}",
        "LIANDONG_REDIS__URL": redis_url,
        "LIANDONG_REDIS__PREFIX": prefix,
        "LIANDONG_VAR_DIR": str(var),
        "LIANDONG_LOG_JSON": "true",
        "LIANDONG_TELEPHONY": json.dumps(
            {
                **json.loads(t.model_dump_json()),
                "ari_password": t.ari_password.get_secret_value(),
                "seat_secret": t.seat_secret.get_secret_value(),
            }
        ),
    }


def seed_demo(env: dict[str, str], cwd: Path) -> None:
    import subprocess

    seeded = subprocess.run(
        [sys.executable, "-m", "liandong", "demo", "seed", "--quiet"],
        env=env, cwd=cwd, capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    if seeded.returncode:
        raise RuntimeError(seeded.stderr[-2000:])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--rates", default="10,20,40,60,80,120,160", help="calls/s steps, comma-separated"
    )
    p.add_argument("--step-s", type=float, default=4.0, help="seconds of calls per step")
    p.add_argument("--hold-ms", type=int, default=3000, help="how long each caller stays")
    p.add_argument("--latency-rate", type=float, default=10.0)
    p.add_argument("--latency-s", type=float, default=10.0)
    # Long enough that callers are still waiting while their cases are measured: a
    # hang-up (missed call, recording, case-log notes) is not part of this path.
    p.add_argument("--latency-hold-ms", type=int, default=15000)
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.add_argument(
        "--profile", type=Path, help="run the Stasis app under cProfile, write stats here"
    )
    args = p.parse_args(argv)
    args.rates = [float(r) for r in args.rates.split(",")]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not can_run():
        return 2
    with ExitStack() as stack:
        # 1,000 RTP sessions: no 488 for lack of ports at 160 calls/s × 3 s.
        tmp, rs, t = private_setup(stack, "bench", 30000 + (os.getpid() % 10) * 2000, 2000)
        db = tmp / "core.storage"
        env = bench_env(t, db=db, redis_url=rs.url, prefix=f"ldbench-{secrets.token_hex(3)}",
                        var=tmp / "var")  # fmt: skip
        c.log("migrating and seeding the demo database")
        seed_demo(env, tmp)
        c.log("starting Asterisk")
        rootfs.setup(t)
        var_dir = tmp / "asterisk"
        stack.callback(rootfs.remove_instance, t)
        stack.callback(runner.stop, t, var_dir)
        ast_pid = runner.start(t, var_dir, wait_s=60)
        version = str(ari(t, "/asterisk/info")["system"]["version"])
        py = [sys.executable, "-m", "liandong"]
        port = free_port()
        servers = [
            c.Server(name, py + cmd, env=env, cwd=c.REPO, log_path=tmp / f"{name}.log")
            for name, cmd in (
                ("telephony", ["asterisk", "app"]),  # replaced below when profiling
                ("worker", ["worker"]),
                ("api", ["serve", "--port", str(port)]),
            )
        ]
        if args.profile:
            servers[0].stop()
            servers[0] = c.Server(
                "telephony",
                [sys.executable, "-m", "cProfile", "-o", str(args.profile.resolve()),
                 "-m", "liandong", "asterisk", "app"],
                env=env, cwd=c.REPO, log_path=tmp / "telephony.log",
            )  # fmt: skip
        for s in reversed(servers):
            stack.callback(s.stop)
        base = f"http://127.0.0.1:{port}"
        c.wait_http_ok(f"{base}/healthz", servers[2])
        deadline = time.monotonic() + 30
        while not any(a["name"] == t.app for a in ari(t, "/applications")):
            if time.monotonic() > deadline:
                raise RuntimeError(servers[0].tail())
            time.sleep(0.2)
        token = httpx.post(
            f"{base}/api/v1/auth/token",
            data={"username": "calltaker", "password": "demo-calltaker-110"}, timeout=30,
        ).json()["access_token"]  # fmt: skip
        pids = [ast_pid, servers[0].proc.pid]
        # Latency first, on a fresh system: the capacity steps leave hundreds of
        # missed-call items behind that the intake worker is still classifying.
        c.log(f"Asterisk {version}; latency at {args.latency_rate} calls/s")
        lat = latency(t, args, base, token, db, tmp)
        c.log(f"capacity steps at {args.rates} calls/s")
        cap = capacity(t, args, pids, tmp)
    report = {
        "asterisk": version,
        "machine": f"{os.cpu_count()} CPUs, {os.uname().machine}, {os.uname().release}",
        "capacity": cap,
        "latency": lat,
    }
    if args.json:
        print(json.dumps(c.json_safe(report), ensure_ascii=False))
        return 0
    b, s = cap["baseline"], cap["stasis"]
    print(f"Asterisk {version} · {report['machine']}")
    print(f"(a) max calls/s with 0 failed (hold {args.hold_ms} ms)")
    print(
        f"    baseline (dialplan Answer/Playback/Wait)  {c.fmt(b['max_rate'])} calls/s, "
        f"{c.fmt(b['max_rate'] * args.hold_ms / 1000, 0)} concurrent calls"
    )
    print(
        f"    Stasis app (contact, case, greeting, hold) {c.fmt(s['max_rate'])} calls/s, "
        f"{c.fmt(s['max_rate'] * args.hold_ms / 1000, 0)} concurrent calls"
    )
    if b["max_rate"] >= args.rates[-1]:
        print("    (the baseline passed every step: its real maximum is higher)")
    print(f"    ratio {c.fmt(cap['rate_ratio'], 2)}x  (target >= 0.5x) "
          f"{c.verdict(cap['rate_ratio'] >= 0.5)}")  # fmt: skip
    print(f"    CPU per concurrent call at {c.fmt(cap['cpu_rate'])} calls/s "
          f"(Asterisk + app): ratio {c.fmt(cap['cpu_ratio'], 2)}x  (target <= 1.3x) "
          f"{c.verdict(cap['cpu_ratio'] <= 1.3)}")  # fmt: skip
    print(f"(b) INVITE -> case in GET /api/v1/queue at {c.fmt(lat['rate'])} calls/s: "
          f"p50 {c.fmt(lat['p50_ms'])} ms, p95 {c.fmt(lat['p95_ms'])} ms, "
          f"max {c.fmt(lat['max_ms'])} ms over {lat['measured']}/{lat['calls']} calls "
          f"(target p95 <= 300 ms) {c.verdict(lat['p95_ms'] <= 300)}")  # fmt: skip
    print(
        f"    of which INVITE -> contact written by the Stasis app: "
        f"p50 {c.fmt(lat['to_contact_p50_ms'])} ms, p95 {c.fmt(lat['to_contact_p95_ms'])} ms"
    )
    print(f"    baseline POST /api/v1/contacts -> queue at the same rate: "
          f"p50 {c.fmt(lat['baseline_p50_ms'])} ms, p95 {c.fmt(lat['baseline_p95_ms'])} ms "
          f"(contact written p95 {c.fmt(lat['baseline_to_contact_p95_ms'])} ms); "
          f"p95 ratio {c.fmt(c.ratio(lat['p95_ms'], lat['baseline_p95_ms']), 2)}x")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
