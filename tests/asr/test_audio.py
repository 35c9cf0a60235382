"""Every format the platform receives → the model's PCM → the expected words."""

from __future__ import annotations

from pathlib import Path

import pytest

from asr import audio
from asr.errors import AudioEmpty, AudioNotFound, AudioUnreadable
from asr.vosk_engine import VoskModel
from tests.asr.conftest import EXPECTED


@pytest.mark.parametrize("fmt", ["wav", "slin8", "ulaw", "alaw", "sln", "amr", "mp3"])
def test_speech_in_each_format_is_transcribed_with_the_expected_word(
    fmt: str, speech: dict[str, Path], ko_model: Path
) -> None:
    model = VoskModel.shared(ko_model, "ko")
    pcm = audio.normalise(speech[fmt], model.sample_rate)
    assert 2.5 < audio.duration_s(pcm, model.sample_rate) < 6.0
    t = model.transcribe(pcm)
    assert EXPECTED in t.text.split(), (fmt, t.text)
    assert t.words and all(0 <= w.start < w.end <= t.duration_s + 0.1 for w in t.words)
    assert all(0.0 <= w.conf <= 1.0 for w in t.words)


def test_amr_file_is_real_amr_nb(speech: dict[str, Path]) -> None:
    assert speech["amr"].read_bytes().startswith(b"#!AMR\n")


def test_empty_file_is_audio_empty(tmp_path: Path) -> None:
    p = tmp_path / "empty.wav"
    p.write_bytes(b"")
    with pytest.raises(AudioEmpty) as e:
        audio.normalise(p)
    assert e.value.error_id == "audio-empty"


def test_header_without_samples_is_audio_empty(tmp_path: Path, speech: dict[str, Path]) -> None:
    p = tmp_path / "header.wav"
    p.write_bytes(speech["slin8"].read_bytes()[:44])
    with pytest.raises(AudioEmpty):
        audio.normalise(p)


@pytest.mark.parametrize(
    "content", [b"hello, this is not audio\n" * 20, bytes(range(256)) * 40], ids=["text", "noise"]
)
def test_non_audio_is_audio_unreadable(tmp_path: Path, content: bytes) -> None:
    p = tmp_path / "voice.amr"
    p.write_bytes(content)
    with pytest.raises(AudioUnreadable) as e:
        audio.normalise(p)
    assert e.value.error_id == "audio-unreadable"
    assert e.value.status == 422


def test_missing_file_is_audio_not_found(tmp_path: Path) -> None:
    with pytest.raises(AudioNotFound):
        audio.normalise(tmp_path / "gone.wav")
