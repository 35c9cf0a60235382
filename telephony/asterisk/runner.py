"""Running the chrooted development / CI Asterisk: start, stop, status.

``start`` runs ``chroot <root> /usr/sbin/asterisk -f`` in its own session with a pid
file under ``var/`` and returns once ARI answers ``GET /ari/asterisk/info``; ``stop``
sends SIGTERM (Asterisk's clean shutdown) and SIGKILL after a grace period. Several
instances can run from one root side by side (see ``telephony.asterisk.config.instance_paths``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx

from telephony.asterisk import config
from telephony.asterisk.errors import AsteriskSetupFailed
from telephony.asterisk.rootfs import MARKER, Echo, exe, inside, require_root, root_valid
from telephony.settings import TelephonySettings


def _quiet(_: str) -> None:
    pass


def pid_file(s: TelephonySettings, var_dir: Path) -> Path:
    return var_dir / f"asterisk-{s.instance}.pid"


def running_pid(s: TelephonySettings, var_dir: Path) -> int | None:
    path = pid_file(s, var_dir)
    try:
        pid = int(path.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    # The pid may have been reused by something else since.
    return pid if b"asterisk" in cmdline else None


def ari_info(s: TelephonySettings, timeout: float = 2.0) -> dict[str, Any] | None:
    try:
        r = httpx.get(
            f"{s.ari_base_url}/ari/asterisk/info",
            auth=(s.ari_user, s.ari_password.get_secret_value()),
            timeout=timeout,
        )
    except httpx.HTTPError:
        return None
    return dict(r.json()) if r.status_code == 200 else None


def start(s: TelephonySettings, var_dir: Path, *, wait_s: float = 60.0, echo: Echo = _quiet) -> int:
    """Start Asterisk in the background (or find it running); returns its pid once ARI
    answers."""
    pid = running_pid(s, var_dir)
    if pid is None:
        require_root("starting the chrooted Asterisk")
        if not root_valid(s.rootfs):
            raise AsteriskSetupFailed("no Asterisk root yet: run `liandong asterisk setup`")
        paths = config.instance_paths(s.instance)
        var_dir.mkdir(parents=True, exist_ok=True)
        out = (var_dir / f"asterisk-{s.instance}.out").open("ab")
        # -f: stay in the foreground (no fork), so the pid we hold is Asterisk's
        # own; chroot execs it. -n: no colour codes in the captured output.
        proc = subprocess.Popen(  # noqa: S603 - fixed executables
            [
                exe("chroot"),
                str(s.rootfs.resolve()),
                "/usr/sbin/asterisk",
                "-f",
                "-n",
                "-C",
                paths.config_file,
            ],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C in the terminal does not reach it
        )
        out.close()
        pid = proc.pid
        pid_file(s, var_dir).write_text(str(pid))
        echo(f"started Asterisk (pid {pid}), waiting for ARI on {s.ari_base_url} …")
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if ari_info(s, timeout=1.0) is not None:
            return pid
        if running_pid(s, var_dir) is None or _exited(pid):
            log_tail = inside(s.rootfs, config.instance_paths(s.instance).log_dir)
            raise AsteriskSetupFailed(
                "Asterisk exited during start-up",
                details={"log": str(log_tail / "messages.log")},
            )
        time.sleep(0.2)
    raise AsteriskSetupFailed(f"ARI did not answer within {wait_s:.0f} s")


def _exited(pid: int) -> bool:
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:  # not our child: look at /proc instead
        return not Path(f"/proc/{pid}").exists()
    return done == pid


def stop(s: TelephonySettings, var_dir: Path, *, wait_s: float = 15.0) -> bool:
    """SIGTERM (Asterisk shuts down cleanly), SIGKILL after ``wait_s``. True when one
    was running."""
    pid = running_pid(s, var_dir)
    pid_file(s, var_dir).unlink(missing_ok=True)
    if pid is None:
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if _exited(pid):
            return True
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
    _exited(pid)
    return True


def status(s: TelephonySettings, var_dir: Path) -> dict[str, Any]:
    pid = running_pid(s, var_dir)
    info = ari_info(s)
    marker = s.rootfs / MARKER
    built = json.loads(marker.read_text()) if root_valid(s.rootfs) else None
    return {
        "instance": s.instance,
        "running": pid is not None,
        "pid": pid,
        "ari_url": s.ari_base_url,
        "ari_reachable": info is not None,
        "version": (info or {}).get("system", {}).get("version") or (built or {}).get("version"),
        "sip": f"udp:{s.sip_bind}:{s.sip_port}",
        "rootfs": str(s.rootfs),
        "rootfs_ready": built is not None,
    }
