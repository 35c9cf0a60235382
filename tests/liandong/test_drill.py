"""`liandong drill` against a running platform (API and a supervised intake worker as
processes, a private Redis, SQLite): a short surge with a killed worker, a Redis
restart and a stalled database loses and doubles nothing."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from liandong.processes import pids
from liandong.settings import Settings
from tests.conftest import make_settings
from tests.liandong.reliability.helpers import env_for, stop, wait_port
from tests.support.paths import ROOT
from tests.support.servers import RedisServer, free_port

pytestmark = pytest.mark.slow


@pytest.fixture
def platform(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[Settings, dict[str, str]]]:
    # Its own Redis: the drill cuts every connection of the Redis it drills.
    redis = RedisServer().start()
    settings = make_settings(sqlite_url, redis.url, "drill")
    port = free_port()
    env = {
        **env_for(settings),
        "LIANDONG_VAR_DIR": str(tmp_path / "var"),
        "LIANDONG_DRILL__API_URL": f"http://127.0.0.1:{port}",
        "LIANDONG_DRILL__SETTLE_S": "25",
        "LIANDONG_AUTH__COOKIE_SECURE": "false",
    }
    api = subprocess.Popen(
        [sys.executable, "-m", "liandong", "serve", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    halt = threading.Event()
    procs: list[subprocess.Popen[bytes]] = []

    def keep_worker() -> None:
        """The worker as `liandong run` keeps it: restarted when it dies, its pid in
        var/run (where the drill's chaos finds it)."""
        while not halt.is_set():
            proc = subprocess.Popen(
                [sys.executable, "-m", "liandong", "worker", "--name", "drill-w0"],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            procs.append(proc)
            pids.write(tmp_path / "var", "worker-0", proc.pid)
            while proc.poll() is None and not halt.wait(0.2):
                pass
            halt.wait(1.0)

    keeper = threading.Thread(target=keep_worker, daemon=True)
    try:
        keeper.start()
        wait_port(port, 60)
        yield settings, env
    finally:
        halt.set()
        keeper.join(5)
        for p in [api, *procs]:
            stop(p)
        redis.close()


def test_a_short_drill_with_chaos_loses_and_doubles_nothing(
    platform: tuple[Settings, dict[str, str]],
) -> None:
    _settings, env = platform
    out = subprocess.run(
        [sys.executable, "-m", "liandong", "drill", "--duration", "8", "--rate", "1",
         "--chaos", "worker,redis,db", "--json"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:] + out.stdout[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    print(out.stdout)
    assert result["sent"] >= 20
    assert (result["lost"], result["duplicated"], result["not_queued"]) == (0, 0, 0)
    assert result["in_cases"] == result["sent"]
    assert result["deliveries"] > result["sent"]  # WeChat's redeliveries were sent
    assert result["p99_to_queue_s"] is not None
    assert [f["fault"] for f in result["faults"]] == ["worker", "redis", "db"]
    assert all(f["injected"] for f in result["faults"]), result["faults"]


def test_a_drill_refuses_a_platform_that_is_not_on_this_machine(tmp_path: Path) -> None:
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path}/x.db", "redis://127.0.0.1:1/0", "x")
    out = subprocess.run(
        [sys.executable, "-m", "liandong", "drill", "--duration", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
        env={**env_for(settings), "LIANDONG_DRILL__API_URL": "http://10.1.2.3:8000"},
    )  # fmt: skip
    assert out.returncode != 0
    assert "drill-refused" in out.stderr
