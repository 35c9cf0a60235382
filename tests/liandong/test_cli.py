"""The `liandong` command as users run it, including the whole `liandong run`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.liandong.reliability.helpers import ROOT, wait_port
from tests.support.servers import free_port, port_open

COMMANDS = ["run", "serve", "worker", "db", "demo", "queue", "users"]


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "liandong", *args],
        cwd=ROOT,
        text=True,
        capture_output=True,
        timeout=120,
        env=env or dict(os.environ),
        check=False,
    )


def test_help_lists_every_command_and_each_has_help() -> None:
    out = cli("--help")
    assert out.returncode == 0
    for name in COMMANDS:
        assert f"  {name} " in out.stdout
        sub = cli(name, "--help")
        assert sub.returncode == 0, sub.stderr
        assert "Usage:" in sub.stdout


def test_demo_accounts_are_json_lines_with_username_password_role() -> None:
    out = cli("demo", "accounts")
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert {"calltaker", "dispatcher", "admin", "auditor"} <= {r["username"] for r in rows}
    assert all({"username", "password", "role"} <= r.keys() for r in rows)
    channels = json.loads(cli("demo", "channels").stdout)
    assert {"wechat", "sms", "stb", "app"} <= channels.keys()
    assert channels["wechat"]["token"]


def test_demo_accounts_are_refused_in_production() -> None:
    env = {**os.environ, "LIANDONG_MODE": "production", "LIANDONG_AUTH__SECRET_KEY": "s" * 40}
    out = cli("demo", "accounts", env=env)
    assert out.returncode != 0
    assert "production" in out.stderr


@pytest.mark.slow
def test_run_starts_redis_seeds_and_serves_until_interrupted(tmp_path: Path) -> None:
    redis_port, http_port = free_port(), free_port()
    assert not port_open("127.0.0.1", redis_port)
    env = {
        **os.environ,
        "LIANDONG_MODE": "demo",
        "LIANDONG_AUTH__COOKIE_SECURE": "false",
        "LIANDONG_DATABASE__URL": f"sqlite+aiosqlite:///{tmp_path}/ld.db",
        "LIANDONG_REDIS__URL": f"redis://127.0.0.1:{redis_port}/0",
        "LIANDONG_VAR_DIR": str(tmp_path / "var"),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "liandong", "run", "--port", str(http_port), "--no-telephony"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        wait_port(http_port, timeout=90)
        assert port_open("127.0.0.1", redis_port)  # it started its own redis-server
        base = f"http://127.0.0.1:{http_port}"
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
        tok = httpx.post(
            f"{base}/api/v1/auth/token",
            data={"username": "calltaker", "password": "demo-calltaker-110"},
        ).json()["access_token"]
        h = {"Authorization": f"Bearer {tok}"}
        number = httpx.post(
            f"{base}/api/v1/contacts",
            headers=h,
            json={
                "channel": "phone",
                "hotline": "110",
                "sender": "13800000051",
                "text": "有人抢劫",
            },
        ).json()["case_number"]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            items = httpx.get(f"{base}/api/v1/queue", headers=h).json()["items"]
            if any(i["case_number"] == number for i in items):
                break
            time.sleep(0.2)
        else:
            raise AssertionError("the case never reached the queue")
        assert (tmp_path / "var" / "redis" / "appendonlydir").exists()
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    assert "demo logins" in out
    assert "calltaker" in out
    assert not port_open("127.0.0.1", redis_port)  # and stopped it again
