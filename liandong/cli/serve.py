"""``liandong serve|worker|run``: the processes of the platform."""

from __future__ import annotations

import asyncio
import ipaddress
import os
import shutil
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

import click
import uvicorn
from redis import Redis
from redis.exceptions import RedisError

from core.errors import LiandongError
from liandong.cli.common import load_settings, run_async
from liandong.cli.demo import seed_all
from liandong.demo.accounts import DEMO_ACCOUNTS
from liandong.processes import pids
from liandong.processes.asterisk import AsteriskSupervisor
from liandong.processes.intake import default_name, run_worker
from liandong.settings import Mode, Settings
from telephony.asterisk import rootfs, runner

DEMO_ON_NETWORK = click.option(
    "--demo-on-network",
    is_flag=True,
    help="Bind a non-loopback address although demo logins work (a LAN demo).",
)


def refuse_demo_on_network(settings: Settings, host: str, allowed: bool) -> None:
    """An unconfigured install (development or demo mode) has public demo logins:
    it must not listen beyond this machine unless explicitly told to."""
    if not settings.demo_accounts_allowed or allowed:
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        raise click.ClickException(
            f"refusing to listen on {host} in {settings.mode.value} mode: the demo logins "
            "would be open to the network. Set LIANDONG_MODE=production with real "
            "secrets, bind 127.0.0.1, or pass --demo-on-network."
        )


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    help="API worker processes; they share nothing but the database and Redis.",
)
@DEMO_ON_NETWORK
def serve(host: str, port: int, workers: int, demo_on_network: bool) -> None:
    """Run the HTTP API (and the desktop's pages)."""
    refuse_demo_on_network(load_settings(), host, demo_on_network)
    uvicorn.run(
        "liandong.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=False,
        proxy_headers=False,  # Settings.forwarded_allow_ips decides (liandong.app)
    )


@click.command()
@click.option("--name", default=None, help="Consumer name in the group [host-pid].")
@click.option("--no-relay", is_flag=True, help="Do not run the outbox relay here.")
@click.option("--no-janitor", is_flag=True, help="Do not run the janitor here.")
def worker(name: str | None, no_relay: bool, no_janitor: bool) -> None:
    """Run an intake worker: stream consumer, outbox relay and janitor."""
    settings = load_settings()
    asyncio.run(
        run_worker(settings, name or default_name(), relay=not no_relay, janitor=not no_janitor)
    )


def _redis_reachable(url: str) -> bool:
    try:
        return bool(Redis.from_url(url, socket_connect_timeout=1).ping())
    except (RedisError, OSError):
        return False


def ensure_redis(settings: Settings) -> subprocess.Popen[bytes] | None:
    """Start a private redis-server when the configured loopback one is not running.
    It keeps an append-only file under var/redis so a restart loses nothing."""
    url = settings.redis.url
    if _redis_reachable(url):
        return None
    parsed = urlparse(url)
    if parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise click.ClickException(f"Redis at {parsed.hostname} is unreachable")
    server = shutil.which("redis-server")
    if server is None:
        raise click.ClickException("redis-server is not installed (make run installs it)")
    data = (settings.var_dir / "redis").resolve()
    data.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [
            server,
            "--bind",
            "127.0.0.1",
            "--port",
            str(parsed.port or 6379),
            "--dir",
            str(data),
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
            "--save",
            "",
        ]
    )
    for _ in range(50):
        if _redis_reachable(url):
            click.echo(f"started redis-server on port {parsed.port or 6379} ({data})")
            return proc
        time.sleep(0.1)
    proc.terminate()
    raise click.ClickException("redis-server did not come up")


def start_asterisk(settings: Settings) -> bool:
    """Build the Asterisk root if needed (cached) and start Asterisk; False, with the
    reason printed, where that cannot be done (debootstrap and chroot need root)."""
    t = settings.telephony
    if not rootfs.is_root():
        click.echo(
            "telephony skipped: building and chrooting Asterisk needs root "
            "(run `sudo liandong asterisk setup` once, or `make run` as root)"
        )
        return False
    try:
        if not rootfs.root_valid(t.rootfs):
            click.echo("building the Asterisk 22 root (first time only, about 1–2 minutes) …")
        rootfs.setup(
            t,
            production=settings.mode is Mode.production,
            echo=click.echo,
            agi_address=settings.fastagi.address,
        )
        runner.start(t, settings.var_dir, echo=click.echo)
    except LiandongError as exc:
        click.echo(f"telephony skipped: {exc}", err=True)
        return False
    return True


def _role(args: list[str], i: int) -> str:
    """The pid file name of a child: worker-<i>, asr, telephony, fastagi."""
    cmd = args[3:5]
    return {("asr", "worker"): "asr", ("asterisk", "app"): "telephony",
            ("agi", "serve"): "fastagi"}.get((cmd[0], cmd[1]) if len(cmd) == 2 else ("", ""),
                                             f"worker-{i}")  # fmt: skip


def _lower_priority() -> None:
    os.nice(10)


def _last_month() -> str:
    first = datetime.now(UTC).date().replace(day=1)
    return f"{first - timedelta(days=1):%Y-%m}"


def _supervise(
    args: list[str],
    stop: threading.Event,
    procs: list[subprocess.Popen[bytes]],
    name: str = "",
    var_dir: Path | None = None,
) -> None:
    """Keep one child running: a worker that crashed is restarted after a second.
    With ``name`` its pid is kept in ``var/run/<name>.pid`` (``liandong drill``)."""
    while not stop.is_set():
        proc = subprocess.Popen(args)
        procs.append(proc)
        if name and var_dir is not None:
            pids.write(var_dir, name, proc.pid)
        while proc.poll() is None and not stop.is_set():
            time.sleep(0.5)
        if not stop.is_set():
            click.echo(f"worker exited with {proc.returncode}; restarting", err=True)
            time.sleep(1)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@click.option("--workers", default=1, show_default=True, help="Intake worker processes.")
@click.option(
    "--telephony/--no-telephony",
    default=True,
    show_default=True,
    help="Build (once, cached under var/) and run Asterisk 22 and the Stasis app.",
)
@DEMO_ON_NETWORK
def run(host: str, port: int, workers: int, telephony: bool, demo_on_network: bool) -> None:
    """Everything for a demo on one machine: Redis if none runs, migrations, Qianxi
    demo data, Asterisk with the six hotlines, intake workers and the API. Prints
    URLs and demo logins."""
    settings = load_settings()
    refuse_demo_on_network(settings, host, demo_on_network)
    redis_proc = ensure_redis(settings)
    click.echo("preparing database and Qianxi demo data …")
    counts = run_async(seed_all(settings, show_progress=True))
    click.echo(f"org map: {counts}")
    # A year of history for the assessment reports (`liandong demo history`): about
    # 20 s on SQLite, so it is written in the background while the platform starts.
    # A database that has it already refuses a second copy; nothing is doubled.
    history = None
    if settings.mode is not Mode.production:
        click.echo("writing 12 months of demo history in the background (reports) …")
        # Niced: filler for the reports (CPU-bound, and hashing every event's chain)
        # must not slow the live platform's start on a small, busy machine.
        history = subprocess.Popen(
            [sys.executable, "-m", "liandong", "demo", "history", "--months", "12", "--quiet"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_lower_priority,
        )
    children = [
        [sys.executable, "-m", "liandong", "worker", "--name", f"{default_name()}-w{i}"]
        for i in range(workers)
    ]
    asterisk_up = telephony and start_asterisk(settings)
    # The ASR worker: recordings and voice messages, and live calls when Asterisk
    # runs. Without a speech model it idles and /status says ASR is degraded.
    children.append(
        [sys.executable, "-m", "liandong", "asr", "worker", "--name", default_name()]
        + ([] if asterisk_up else ["--no-live"])
    )
    if asterisk_up:
        children.append([sys.executable, "-m", "liandong", "asterisk", "app"])
        # The FastAGI server runs the 12345/12315 menus (ivr/); without it those
        # calls go straight to the queue.
        children.append([sys.executable, "-m", "liandong", "agi", "serve"])
    stop = threading.Event()
    procs: list[subprocess.Popen[bytes]] = [history] if history else []
    threads = [
        threading.Thread(
            target=_supervise, daemon=True,
            args=(args, stop, procs, _role(args, i), settings.var_dir),
        )
        for i, args in enumerate(children)
    ]  # fmt: skip
    if asterisk_up:
        # Asterisk is supervised like the children: restarted with backoff (issue 18).
        supervisor = AsteriskSupervisor(settings.telephony, settings.var_dir, echo=click.echo)
        threads.append(threading.Thread(target=supervisor.run, args=(stop,), daemon=True))
        # Joined before Asterisk is stopped, so a restart under way cannot outlive us.
        watcher = threads[-1]
    for t in threads:
        t.start()
    base = f"http://{host}:{port}"
    click.echo(
        f"\n联动 Liandong is starting ({settings.mode.value} mode)\n"
        f"  desk       {base}/desk/   (接警台)\n"
        f"  portal     {base}/desk/portal.html   (单位门户)\n"
        f"  big screen {base}/desk/screen.html   (大屏)\n"
        f"  reports    {base}/api/v1/reports/monthly?period={_last_month()}&format=html"
        "   (考核报表, after logging in as leader)\n"
        f"  API docs   {base}/docs\n  status     {base}/status\n"
        f"  metrics    {base}/metrics\n  health     {base}/healthz\n"
    )
    if asterisk_up:
        tel = settings.telephony
        click.echo(
            f"  hotlines   sip:110|119|120|122|12315|12345@{tel.sip_bind}:{tel.sip_port}"
            f"   e.g. sipp -sn uac -s 119 {tel.sip_bind}:{tel.sip_port}\n"
        )
    if settings.demo_accounts_allowed:
        click.echo("demo logins (username / password / role):")
        for a in DEMO_ACCOUNTS:
            click.echo(f"  {a.username:<11} {a.password:<20} {a.role.value}")
    try:
        uvicorn.run(
            "liandong.app:create_app",
            factory=True,
            host=host,
            port=port,
            log_config=None,
            access_log=False,
            proxy_headers=False,  # Settings.forwarded_allow_ips decides (liandong.app)
        )
    finally:
        stop.set()
        if asterisk_up:
            watcher.join(timeout=10)
            runner.stop(settings.telephony, settings.var_dir)
        for p in [*procs, *([redis_proc] if redis_proc else [])]:
            p.terminate()
        for p in [*procs, *([redis_proc] if redis_proc else [])]:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()


__all__ = ["run", "serve", "worker"]
