"""``liandong serve|worker|run``: the processes of the platform."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import threading
import time
from urllib.parse import urlparse

import click
import uvicorn
from redis import Redis
from redis.exceptions import RedisError

from liandong.auth.demo import DEMO_ACCOUNTS
from liandong.cli.common import load_settings, run_async
from liandong.cli.demo import seed_all
from liandong.queue.worker import default_name, run_worker
from liandong.settings import Settings


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    help="API worker processes; they share nothing but the database and Redis.",
)
def serve(host: str, port: int, workers: int) -> None:
    """Run the HTTP API (and the desktop's pages)."""
    load_settings()
    uvicorn.run(
        "liandong.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=False,
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


def _supervise(
    args: list[str], stop: threading.Event, procs: list[subprocess.Popen[bytes]]
) -> None:
    """Keep one child running: a worker that crashed is restarted after a second."""
    while not stop.is_set():
        proc = subprocess.Popen(args)
        procs.append(proc)
        while proc.poll() is None and not stop.is_set():
            time.sleep(0.5)
        if not stop.is_set():
            click.echo(f"worker exited with {proc.returncode}; restarting", err=True)
            time.sleep(1)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@click.option("--workers", default=1, show_default=True, help="Intake worker processes.")
def run(host: str, port: int, workers: int) -> None:
    """Everything for a demo on one machine: Redis if none runs, migrations, Qianxi
    demo data, intake workers and the API. Prints URLs and demo logins."""
    settings = load_settings()
    redis_proc = ensure_redis(settings)
    click.echo("preparing database and Qianxi demo data …")
    counts = run_async(seed_all(settings, show_progress=True))
    click.echo(f"org map: {counts}")
    stop = threading.Event()
    procs: list[subprocess.Popen[bytes]] = []
    threads = [
        threading.Thread(
            target=_supervise,
            daemon=True,
            args=(
                [sys.executable, "-m", "liandong", "worker", "--name", f"{default_name()}-w{i}"],
                stop,
                procs,
            ),
        )
        for i in range(workers)
    ]
    for t in threads:
        t.start()
    base = f"http://{host}:{port}"
    click.echo(
        f"\n联动 Liandong is starting ({settings.mode.value} mode)\n"
        f"  desk       {base}/desk/   (接警台)\n"
        f"  API docs   {base}/docs\n  status     {base}/status\n"
        f"  metrics    {base}/metrics\n  health     {base}/healthz\n"
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
        )
    finally:
        stop.set()
        for p in [*procs, *([redis_proc] if redis_proc else [])]:
            p.terminate()
        for p in [*procs, *([redis_proc] if redis_proc else [])]:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()


__all__ = ["run", "serve", "worker"]
