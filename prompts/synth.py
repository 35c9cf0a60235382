"""Synthesize the Mandarin prompts into a sounds directory with espeak-ng (the pinyin
voice) and sox (8 kHz mono 16-bit WAV: Asterisk's slin, played without resampling).

``telephony.asterisk.rootfs`` calls this at ``liandong asterisk setup`` with the
Asterisk root's directories and the tools' paths. Two sets, two manifests:

* the hotline and survey prompts (``.manifest.json``: name → digest of voice and
  pinyin; a changed text is made again);
* the IVR's prompts and Mandarin digits (``.manifest-ivr.json``): the manifest also
  keeps the sha256 of every file we wrote, and a file whose content is not what we
  wrote (or that we never wrote) is a recording and is left alone.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from prompts import hotline, ivr, survey
from prompts.models import Prompt

MANIFEST = ".manifest.json"
IVR_MANIFEST = ".manifest-ivr.json"
Echo = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _source(voice: str, prompt: Prompt) -> str:
    return hashlib.sha256(f"{voice}\n{prompt.pinyin}".encode()).hexdigest()


def _digest(voice: str, text: str) -> str:
    return hashlib.sha256(f"{voice}\n{text}".encode()).hexdigest()


def synthesize(
    espeak: str, sox: str, voice: str, pinyin: str, tmp: Path, out: Path, speed: int = 170
) -> None:
    """espeak-ng speaks the pinyin into ``tmp``; sox makes it 8 kHz mono 16-bit at
    ``out``: Asterisk's slin, played without resampling."""
    raw = tmp / f"{hashlib.sha1(str(out).encode()).hexdigest()}.wav"  # noqa: S324 - a file name
    subprocess.run(  # noqa: S603 - fixed executable
        [espeak, "-v", voice, "-s", str(speed), "-w", str(raw), pinyin],
        check=True,
        capture_output=True,
    )
    subprocess.run(  # noqa: S603 - fixed executable
        [sox, str(raw), "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", str(out)],
        check=True,
        capture_output=True,
    )
    raw.unlink(missing_ok=True)


def hotline_prompts() -> dict[str, Prompt]:
    """The hotline prompts plus those of the IVR call-back survey."""
    return {**hotline.PROMPTS, **survey.SURVEY_PROMPTS}


def generate_hotline(target: Path, voice: str, espeak: str, sox: str, echo: Echo = _quiet) -> int:
    """Synthesize missing or changed hotline and survey prompts into ``target``;
    returns how many were (re)made."""
    target.mkdir(parents=True, exist_ok=True)
    manifest_path = target / MANIFEST
    try:
        manifest: dict[str, str] = json.loads(manifest_path.read_text())
    except (OSError, ValueError):
        manifest = {}
    todo = {
        name: prompt
        for name, prompt in hotline_prompts().items()
        if manifest.get(name) != _digest(voice, prompt.pinyin)
        or not (target / f"{name}.wav").exists()
    }
    if not todo:
        return 0
    with tempfile.TemporaryDirectory(prefix="ld-prompts-") as tmp:
        for name, prompt in todo.items():
            synthesize(espeak, sox, voice, prompt.pinyin, Path(tmp), target / f"{name}.wav")
            manifest[name] = _digest(voice, prompt.pinyin)
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    echo(f"generated {len(todo)} Mandarin prompts in {target}")
    return len(todo)


def planned_ivr(sounds: Path, digits: Path) -> dict[Path, Prompt]:
    """Every IVR sound file → its prompt."""
    out = {sounds / f"{name}.wav": p for name, p in ivr.PROMPTS.items()}
    out.update({digits / f"{d}.wav": p for d, p in ivr.DIGITS.items()})
    return out


def generate_ivr(
    sounds: Path,
    digits: Path,
    root: Path,
    voice: str,
    espeak: str,
    sox: str,
    echo: Echo = _quiet,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Make missing or changed synthetic IVR prompts and digits (manifest keys are
    paths relative to ``root``); returns how many were (re)made."""
    plan = planned_ivr(sounds, digits)
    manifest_path = sounds / IVR_MANIFEST
    try:
        manifest: dict[str, dict[str, str]] = json.loads(manifest_path.read_text())
    except (OSError, ValueError):
        manifest = {}
    root = root.resolve()
    todo: dict[Path, Prompt] = {}
    recorded = 0
    for path, prompt in plan.items():
        entry = manifest.get(str(path.relative_to(root)))
        if not path.exists():
            todo[path] = prompt
        elif entry is None or entry.get("sha256") != _sha(path):
            recorded += 1  # not our file: a recording replaces the synthetic prompt
        elif entry.get("source") != _source(voice, prompt):
            todo[path] = prompt
    if recorded:
        echo(f"kept {recorded} recorded IVR prompts")
    if not todo:
        return 0
    for d in {p.parent for p in todo}:
        d.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory(prefix="ld-ivr-prompts-") as tmp:

        def make(item: tuple[Path, Prompt]) -> tuple[Path, Prompt]:
            path, prompt = item
            synthesize(espeak, sox, voice, prompt.pinyin, Path(tmp), path, 165)
            return path, prompt

        with ThreadPoolExecutor(max_workers=2) as pool:
            for path, prompt in pool.map(make, todo.items()):
                manifest[str(path.relative_to(root))] = {
                    "source": _source(voice, prompt),
                    "sha256": _sha(path),
                }
                if progress is not None:
                    progress(1)
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    echo(f"generated {len(todo)} Mandarin IVR prompts and digits")
    return len(todo)
