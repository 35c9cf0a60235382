"""Synthesize the IVR's Mandarin prompts and digits into the Asterisk root.

Run by ``liandong asterisk setup`` (after the telephony prompts) and by ``liandong
ivr prompts``. Same recipe as ``telephony.rootfs.generate_prompts``: espeak-ng with
the pinyin voice, then sox to 8 kHz mono 16-bit WAV.

A recorded file of the same name replaces a synthetic one: the manifest keeps the
sha256 of every file we wrote, and a file whose content is not what we wrote (or that
we never wrote) is a recording and is left alone.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ivr import prompts
from telephony import rootfs
from telephony.prompts import Prompt
from telephony.settings import TelephonySettings

DIGITS_DIR = "usr/share/asterisk/sounds/zh/digits"  # SAY DIGITS plays digits/<d> in zh
MANIFEST = ".manifest-ivr.json"
Echo = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _source(voice: str, prompt: Prompt) -> str:
    return hashlib.sha256(f"{voice}\n{prompt.pinyin}".encode()).hexdigest()


def _key(s: TelephonySettings, path: Path) -> str:
    return str(path.relative_to(s.rootfs.resolve()))


def planned(s: TelephonySettings) -> dict[Path, Prompt]:
    """Every IVR sound file → its prompt."""
    sounds = rootfs.inside(s.rootfs, rootfs.SOUNDS)
    digits = rootfs.inside(s.rootfs, DIGITS_DIR)
    out = {sounds / f"{name}.wav": p for name, p in prompts.PROMPTS.items()}
    out.update({digits / f"{d}.wav": p for d, p in prompts.DIGITS.items()})
    return out


def generate_prompts(
    s: TelephonySettings, echo: Echo = _quiet, progress: Callable[[int], None] | None = None
) -> int:
    """Make missing or changed synthetic prompts; returns how many were (re)made."""
    plan = planned(s)
    manifest_path = rootfs.inside(s.rootfs, rootfs.SOUNDS) / MANIFEST
    try:
        manifest: dict[str, dict[str, str]] = json.loads(manifest_path.read_text())
    except (OSError, ValueError):
        manifest = {}
    todo: dict[Path, Prompt] = {}
    recorded = 0
    for path, prompt in plan.items():
        entry = manifest.get(_key(s, path))
        if not path.exists():
            todo[path] = prompt
        elif entry is None or entry.get("sha256") != _sha(path):
            recorded += 1  # not our file: a recording replaces the synthetic prompt
        elif entry.get("source") != _source(s.espeak_voice, prompt):
            todo[path] = prompt
    if recorded:
        echo(f"kept {recorded} recorded IVR prompts")
    if not todo:
        return 0
    espeak, sox = rootfs.exe("espeak-ng"), rootfs.exe("sox")
    for d in {p.parent for p in todo}:
        d.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory(prefix="ld-ivr-prompts-") as tmp:

        def make(item: tuple[Path, Prompt]) -> tuple[Path, Prompt]:
            path, prompt = item
            rootfs.synthesize(espeak, sox, s.espeak_voice, prompt.pinyin, Path(tmp), path, 165)
            return path, prompt

        with ThreadPoolExecutor(max_workers=2) as pool:
            for path, prompt in pool.map(make, todo.items()):
                manifest[_key(s, path)] = {
                    "source": _source(s.espeak_voice, prompt),
                    "sha256": _sha(path),
                }
                if progress is not None:
                    progress(1)
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    echo(f"generated {len(todo)} Mandarin IVR prompts and digits")
    return len(todo)


__all__ = ["DIGITS_DIR", "generate_prompts", "planned"]
