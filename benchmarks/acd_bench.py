"""Distribution: our Stasis app's ACD against Asterisk's own app_queue, side by side.

One private Asterisk 22 (the development root, its own instance), one private Redis, a
seeded SQLite database and the real ``liandong asterisk app``. N seat phones are sipp
UAS that register with their digest passwords and answer every INVITE at once. The
same sipp callers (``uac_numbered.xml``, --rate calls/s for --seconds, held --hold-ms)
go once through app_queue (strategy leastrecent, a plain queues.conf written into this
instance only, reached from the benchmark-only loopback source 127.0.0.2) and once
through the hotline path (Stasis app: contact, greeting, our distribution with every
seat ready and wrap-up 0). Figures per path: time from each caller's INVITE (sipp's
message trace) to the INVITE reaching a seat (the seat's trace), p50/p95/p99, calls
that reached a seat, and CPU of Asterisk + the app per call.

Targets (issue 16): our ring latency p95 <= 1.5x app_queue's and <= 300 ms at 10
calls/s; CPU per call through our Stasis app <= 2x the plain dialplan.

Run: ``.venv/bin/python benchmarks/acd_bench.py`` (as root: chroot), ~1-2 min.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import _common as c
import telephony_bench as tb
from redis import Redis

from telephony.asterisk import rootfs, runner
from telephony.asterisk.config import instance_paths, seat_names, seat_password
from telephony.seats.models import Seat, SeatAction, advance
from telephony.settings import TelephonySettings

SEAT_REGISTER = c.REPO / "tests" / "telephony" / "scenarios" / "seat_register.xml"
_STAMP = re.compile(r"^-{10,} (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6})\s*$")
_FROM = re.compile(r"^From:.*?<sip:(\d+)@", re.MULTILINE)
QUEUES_CONF = """[general]
[bench]
strategy = leastrecent
ringinuse = no
timeout = 15
retry = 1
wrapuptime = 0
announce-frequency = 0
periodic-announce-frequency = 0
{members}
"""


def queue_config(t: TelephonySettings, seats: list[str]) -> None:
    """app_queue for this instance only: the module, queues.conf, and the benchmark
    context sending the loopback bench source into Queue(bench)."""
    etc = rootfs.inside(t.rootfs, instance_paths(t.instance).etc_dir)
    members = "\n".join(f"member => PJSIP/{s}" for s in seats)
    (etc / "queues.conf").write_text(QUEUES_CONF.format(members=members))
    modules = etc / "modules.conf"
    modules.write_text(modules.read_text() + "\nload = app_queue.so\n")
    ext = etc / "extensions.conf"
    text = ext.read_text()
    old = " same => n,Playback(liandong/greeting-110)\n same => n,Wait(60)\n"
    if old not in text:
        raise RuntimeError("the benchmark context changed: update acd_bench.py")
    ext.write_text(text.replace(old, " same => n,Queue(bench,,,,60)\n"))


def start_seats(t: TelephonySettings, seats: list[str], tmp: Path, stack: ExitStack) -> None:
    """A registered, auto-answering sipp phone per seat (each killed when the run ends,
    also when a later one fails to register)."""
    for seat in seats:
        cwd = tmp / "seats" / seat
        cwd.mkdir(parents=True)
        for _attempt in range(3):  # a loaded machine may lose a REGISTER's answer
            port = tb.free_udp_port()
            reg = subprocess.run(
            ["sipp", "-sf", str(SEAT_REGISTER), "-s", seat, "-au", seat,
             "-ap", seat_password(t.seat_secret.get_secret_value(), seat), "-m", "1",
             f"127.0.0.1:{t.sip_port}", "-i", "127.0.0.1", "-p", str(port), "-nostdin",
             "-mp", str(tb.free_udp_port()), "-timeout", "20", "-timeout_error"],
            cwd=cwd, capture_output=True, check=False,
            )  # fmt: skip
            if reg.returncode == 0:
                break
        if reg.returncode:
            raise RuntimeError(
                f"{seat} did not register: {reg.stdout[-300:]!r} {reg.stderr[-300:]!r}"
            )
        proc = subprocess.Popen(
            ["sipp", "-sn", "uas", "-i", "127.0.0.1", "-p", str(port), "-trace_msg",
             "-mp", str(tb.free_udp_port()), "-nostdin", f"127.0.0.1:{t.sip_port}"],
            cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        stack.callback(proc.kill)


def run_path(
    t: TelephonySettings, name: str, args: argparse.Namespace, pids: list[int], tmp: Path,
    prefix: str,
) -> dict[str, Any]:  # fmt: skip
    calls = int(args.rate * args.seconds)
    trace = tmp / f"callers-{name}"
    trace.mkdir()
    seats_dir = tmp / "seats"
    before_seen = tb.invite_times(seats_dir, "received")
    cpu0 = sum(tb.cpu_s(p) for p in pids)
    _, ok, failed, tail = tb.sipp(
        t, did="110", source=tb.BENCH_IP if name == "app_queue" else "127.0.0.1",
        rate=args.rate, calls=calls, hold_ms=args.hold_ms, cwd=trace, trace=True,
        prefix=prefix,
    )  # fmt: skip
    tb.wait_idle(t)
    cpu = sum(tb.cpu_s(p) for p in pids) - cpu0
    sent = tb.invite_times(trace)
    seen = {k: v for k, v in tb.invite_times(seats_dir, "received").items() if k not in before_seen}
    lat = sorted(1000 * (seen[n] - sent[n]) for n in sent if n in seen)
    c.log(f"{name}: {ok}/{calls} calls ok, {len(lat)} reached a seat, CPU {cpu:.2f} s")
    if failed:
        c.log(tail[-600:])
    return {
        "calls": calls, "ok": ok, "failed": failed, "reached_seat": len(lat),
        "p50_ms": c.percentile(lat, 50), "p95_ms": c.percentile(lat, 95),
        "p99_ms": c.percentile(lat, 99), "cpu_ms_per_call": round(1000 * cpu / calls, 2),
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rate", type=float, default=10.0, help="calls/s")
    p.add_argument("--seconds", type=float, default=4.0, help="seconds of calls per path")
    p.add_argument("--hold-ms", type=int, default=1500, help="how long each caller stays")
    p.add_argument("--seats", type=int, default=30)
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    if not tb.can_run():
        return 2
    with ExitStack() as stack:
        tmp, rs, t = tb.private_setup(
            stack, "acdbench", 40000 + (os.getpid() % 10) * 1000, 1000,
            seats=args.seats, seat_qualify_s=0, wrap_up_s=0, acd_tick_s=1.0,
        )  # fmt: skip
        prefix = f"ldacd-{secrets.token_hex(3)}"
        db = tmp / "core.storage"
        env = tb.bench_env(t, db=db, redis_url=rs.url, prefix=prefix, var=tmp / "var")
        c.log("migrating and seeding the demo database")
        tb.seed_demo(env, tmp)
        rootfs.setup(t)
        seats = seat_names(args.seats)
        queue_config(t, seats)
        var_dir = tmp / "asterisk"
        stack.callback(rootfs.remove_instance, t)
        stack.callback(runner.stop, t, var_dir)
        ast_pid = runner.start(t, var_dir, wait_s=60)
        version = str(tb.ari(t, "/asterisk/info")["system"]["version"])
        app = c.Server("telephony", [sys.executable, "-m", "liandong", "asterisk", "app"],
                       env=env, cwd=c.REPO, log_path=tmp / "telephony.log")  # fmt: skip
        stack.callback(app.stop)
        deadline = time.monotonic() + 30
        while not any(a["name"] == t.app for a in tb.ari(t, "/applications")):
            if time.monotonic() > deadline:
                raise RuntimeError(app.tail())
            time.sleep(0.2)
        start_seats(t, seats, tmp, stack)
        time.sleep(1.0)
        pids = [ast_pid, app.proc.pid]
        c.log(f"Asterisk {version}; {args.seats} seats; {args.rate} calls/s for {args.seconds} s")
        queue = run_path(t, "app_queue", args, pids, tmp, "1371")
        # Every seat ready, as if each call taker had pressed 就绪 (the seat-state API
        # is not what is measured here; one call taker per seat would be needed).
        r = Redis.from_url(rs.url)
        now = time.time()
        for n, seat in enumerate(seats):
            s = advance(Seat(seat), SeatAction.sign_in, now, user=f"bench{n}",
                        hotlines=("110",))  # fmt: skip
            ready = advance(s, SeatAction.set_ready, now + n / 1000)
            r.delete(f"{prefix}:seat:{seat}")
            r.hset(f"{prefix}:seat:{seat}", mapping=ready.to_record())  # type: ignore[arg-type]
        r.close()
        ours = run_path(t, "stasis_acd", args, pids, tmp, "1372")
    report = {
        "asterisk": version,
        "machine": f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}",
        "app_queue": queue, "stasis_acd": ours,
        "p95_ratio": c.ratio(ours["p95_ms"], queue["p95_ms"]),
        "cpu_ratio": c.ratio(ours["cpu_ms_per_call"], queue["cpu_ms_per_call"]),
    }  # fmt: skip
    if args.json:
        print(json.dumps(c.json_safe(report), ensure_ascii=False))
        return 0
    print(f"Asterisk {version} · {report['machine']} · {args.rate} calls/s · {args.seats} seats")
    for name in ("app_queue", "stasis_acd"):
        r = report[name]
        print(f"  {name:10s} reached a seat {r['reached_seat']}/{r['calls']}  INVITE -> seat "
              f"INVITE p50 {c.fmt(r['p50_ms'])} ms, p95 {c.fmt(r['p95_ms'])} ms, "
              f"p99 {c.fmt(r['p99_ms'])} ms; "
              f"CPU {c.fmt(r['cpu_ms_per_call'])} ms/call")  # fmt: skip
    ok = report["p95_ratio"] <= 1.5 and ours["p95_ms"] <= 300
    print(f"  ring latency p95 ratio {c.fmt(report['p95_ratio'], 2)}x (target <= 1.5x and "
          f"<= 300 ms) {c.verdict(ok)}")  # fmt: skip
    print(f"  CPU per call ratio {c.fmt(report['cpu_ratio'], 2)}x vs app_queue's dialplan "
          f"(target <= 2x) {c.verdict(report['cpu_ratio'] <= 2)}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
