"""Pid files of the processes ``liandong run`` supervises: ``var/run/<role>-<n>.pid``.

They let an operator's tool (``liandong drill --chaos``) find the platform's own
processes by what they are, never by matching process names.
"""

from __future__ import annotations

import contextlib
from pathlib import Path


def _dir(var_dir: Path) -> Path:
    return var_dir / "run"


def write(var_dir: Path, name: str, pid: int) -> Path:
    """``name`` is ``<role>-<n>`` or ``<role>``; the file is replaced on each restart."""
    path = _dir(var_dir) / f"{name}.pid"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(str(pid))
    return path


def remove(var_dir: Path, name: str) -> None:
    (_dir(var_dir) / f"{name}.pid").unlink(missing_ok=True)


def read(var_dir: Path, role: str) -> list[int]:
    """Live pids registered for ``role`` (stale files, whose process is gone, skipped)."""
    out = []
    for path in sorted(_dir(var_dir).glob(f"{role}*.pid")):
        with contextlib.suppress(OSError, ValueError):
            pid = int(path.read_text().strip())
            if Path(f"/proc/{pid}").exists():
                out.append(pid)
    return out


__all__ = ["read", "remove", "write"]
