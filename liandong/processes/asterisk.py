"""Asterisk under ``liandong run``: supervised like the platform's other processes.

A dead Asterisk means every hotline is dead, so it is started again at once and then
with growing delays (0.5 s, 1 s, 2 s … 30 s) while it keeps dying, the delays starting
over once it has stayed up for a minute. Each state change is written to
``var/asterisk-<instance>.supervisor.json`` so ``/status`` (another thread, or another
process on this host) can say what the supervisor is doing. The Stasis app needs no
help: its ARI client reconnects by itself, which registers the app again, and the
calls Asterisk carried become call-back items (``telephony.calls.legs.reconcile``).

At a site systemd does this job (deploy/systemd/asterisk.service.d/liandong.conf).
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from core.errors import LiandongError
from telephony.ari.client import backoff
from telephony.asterisk import runner
from telephony.settings import TelephonySettings

Echo = Callable[[str], None]


def state_file(t: TelephonySettings, var_dir: Path) -> Path:
    return var_dir / f"asterisk-{t.instance}.supervisor.json"


def read_state(t: TelephonySettings, var_dir: Path) -> dict[str, Any] | None:
    """What the supervisor last wrote; None when no supervisor runs Asterisk here."""
    try:
        data: dict[str, Any] = json.loads(state_file(t, var_dir).read_text())
    except (OSError, ValueError):
        return None
    return data


@dataclass
class SupervisorState:
    state: str = "starting"  # starting | running | restarting | down
    pid: int | None = None
    restarts: int = 0
    started_at: float | None = None
    last_exit_at: float | None = None
    next_try_in_s: float | None = None
    error: str | None = None
    history: list[dict[str, Any]] = field(default_factory=list)


def _reap(pid: int) -> None:
    """Collect a killed child so it does not stay a zombie (not ours: nothing to do)."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


class AsteriskSupervisor:
    def __init__(
        self,
        t: TelephonySettings,
        var_dir: Path,
        *,
        echo: Echo = print,
        initial_s: float = 0.5,
        cap_s: float = 30.0,
        healthy_after_s: float = 60.0,
        poll_s: float = 0.25,
        start_wait_s: float = 60.0,
    ) -> None:
        self.t = t
        self.var_dir = var_dir
        self.echo = echo
        self.initial_s = initial_s
        self.cap_s = cap_s
        self.healthy_after_s = healthy_after_s
        self.poll_s = poll_s
        self.start_wait_s = start_wait_s
        self.status = SupervisorState()

    def _write(self, **changes: Any) -> None:
        for key, value in changes.items():
            setattr(self.status, key, value)
        path = state_file(self.t, self.var_dir)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"supervised": True, **asdict(self.status)}))
        tmp.replace(path)  # readers never see half a file

    def _start(self) -> bool:
        try:
            pid = runner.start(self.t, self.var_dir, wait_s=self.start_wait_s)
        except LiandongError as exc:
            self._write(state="down", pid=None, error=f"{exc.error_id}: {exc.message}")
            self.echo(f"Asterisk did not start: {exc.message}")
            return False
        self._write(state="running", pid=pid, started_at=time.time(), error=None)
        return True

    def run(self, stop: threading.Event) -> None:
        """Until ``stop`` is set: keep Asterisk running. Returns without stopping it
        (``runner.stop`` is the caller's, so shutdown order stays the caller's)."""
        delays = backoff(self.initial_s, self.cap_s)
        if runner.running_pid(self.t, self.var_dir) is None:
            self._start()
        else:
            self._write(state="running", pid=runner.running_pid(self.t, self.var_dir))
        up_since = time.monotonic()
        while not stop.wait(self.poll_s):
            pid = runner.running_pid(self.t, self.var_dir)
            if pid is not None:
                if self.status.state != "running":  # started by hand meanwhile
                    self._write(state="running", pid=pid, error=None)
                if time.monotonic() - up_since > self.healthy_after_s:
                    delays = backoff(self.initial_s, self.cap_s)  # stable again
                continue
            if self.status.pid is not None:
                _reap(self.status.pid)
            delay = next(delays)
            now = time.time()
            history = [*self.status.history, {"exit_at": now, "pid": self.status.pid}][-10:]
            self._write(state="restarting", last_exit_at=now, next_try_in_s=delay, history=history)
            self.echo(f"Asterisk (pid {self.status.pid}) is gone; restarting in {delay:.1f} s")
            # A stale pid file would make runner.start think it still runs.
            runner.pid_file(self.t, self.var_dir).unlink(missing_ok=True)
            if stop.wait(delay):
                return
            if self._start():
                self._write(restarts=self.status.restarts + 1, next_try_in_s=None)
                self.echo(f"Asterisk is back (pid {self.status.pid})")
                up_since = time.monotonic()


__all__ = ["AsteriskSupervisor", "read_state", "state_file"]
