"""`liandong drill` with telephony: sipp callers on all six hotlines against the real
Asterisk (supervised as `liandong run` does), and Asterisk SIGKILLed mid-drill: every
call is in a case and a call-back item, nothing lost or doubled."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from liandong.processes import pids
from liandong.processes.asterisk import AsteriskSupervisor, read_state
from liandong.settings import Settings
from telephony.asterisk import rootfs, runner
from tests.conftest import make_settings
from tests.liandong.reliability.helpers import env_for, stop, wait_port
from tests.support.asterisk import require_asterisk_tools, telephony_for_tests
from tests.support.paths import ROOT
from tests.support.servers import RedisServer, free_port
from tests.telephony.calls.test_resilience import _env

pytestmark = pytest.mark.slow


def _until(probe: Any, limit_s: float, what: str) -> None:
    done = threading.Event()
    deadline = limit_s
    while not probe():
        if done.wait(0.2):
            break
        deadline -= 0.2
        if deadline <= 0:
            raise AssertionError(f"{what} not reached within {limit_s} s")


@pytest.fixture
def platform(
    sqlite_url: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, fastagi_port: int
) -> Iterator[dict[str, str]]:
    require_asterisk_tools()
    t = telephony_for_tests("site")
    rootfs.setup(t, echo=print, agi_address=f"127.0.0.1:{fastagi_port}")
    var = tmp_path / "var"
    var.mkdir()
    redis = RedisServer().start()
    settings: Settings = make_settings(sqlite_url, redis.url, "drill").model_copy(
        update={"telephony": t}
    )
    port = free_port()
    env = {**env_for(settings), **_env(settings), "LIANDONG_VAR_DIR": str(var),
           "LIANDONG_DRILL__API_URL": f"http://127.0.0.1:{port}",
           "LIANDONG_DRILL__SETTLE_S": "30",
           "LIANDONG_FASTAGI__PORT": str(fastagi_port)}  # fmt: skip
    halt = threading.Event()
    supervisor = AsteriskSupervisor(t, var, echo=print)
    watcher = threading.Thread(target=supervisor.run, args=(halt,), daemon=True)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        watcher.start()
        _until(lambda: (read_state(t, var) or {}).get("state") == "running", 90, "Asterisk")
        for name, args in (
            ("api", ["serve", "--port", str(port)]),
            ("worker-0", ["worker", "--name", "drill-w0"]),
            ("telephony", ["asterisk", "app"]),
            ("fastagi", ["agi", "serve", "--port", str(fastagi_port)]),
        ):
            proc = subprocess.Popen(
                [sys.executable, "-m", "liandong", *args], cwd=ROOT, env=env,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            procs.append(proc)
            pids.write(var, name, proc.pid)
        wait_port(port, 60)
        yield env
    finally:
        halt.set()
        watcher.join(70)
        for p in procs:
            stop(p)
        runner.stop(t, var)
        rootfs.remove_instance(t)
        redis.close()


def test_a_drill_with_callers_on_every_hotline_survives_an_asterisk_kill(
    platform: dict[str, str],
) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "liandong", "drill", "--duration", "10", "--rate", "1",
         "--chaos", "asterisk", "--json"],
        cwd=ROOT, env=platform, capture_output=True, text=True, timeout=150, check=False,
    )  # fmt: skip
    print(out.stdout[-4000:])
    assert out.returncode == 0, out.stderr[-3000:]
    r = json.loads(out.stdout.strip().splitlines()[-1])
    assert r["calls"] >= 12 and r["calls_skipped"] is None  # two groups on each hotline
    assert (r["lost"], r["duplicated"]) == (0, 0)
    # Nobody answers in a drill: every call that reached the platform is a call-back item.
    assert r["callbacks"] == r["calls"] - r["calls_failed"]
    assert [f["fault"] for f in r["faults"]] == ["asterisk"] and r["faults"][0]["injected"]
