"""The IVR's Mandarin prompts (espeak-ng + sox) and the dialplan that reaches the IVR."""

from __future__ import annotations

import re
import shutil
import wave
from pathlib import Path

import pytest

from ivr.flows import load_flows
from prompts import ivr as prompts
from telephony.asterisk import config
from telephony.asterisk.errors import TelephonyConfigInvalid
from telephony.asterisk.rootfs import generate_ivr_prompts, planned_ivr_prompts
from telephony.settings import TelephonySettings
from tests.support.asterisk import unavailable


def _tools() -> None:
    missing = [t for t in ("espeak-ng", "sox") if shutil.which(t) is None]
    if missing:
        unavailable(f"{missing} not installed (scripts/bootstrap.sh installs them)")


def test_prompts_are_synthesized_once_and_recordings_are_kept(tmp_path: Path) -> None:
    _tools()
    t = TelephonySettings(rootfs=tmp_path)
    made = generate_ivr_prompts(t)
    plan = planned_ivr_prompts(t)
    assert made == len(plan) == len(prompts.PROMPTS) + 10
    for path in plan:
        with wave.open(str(path)) as w:  # what format_wav plays without resampling
            assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
            assert w.getnframes() > 800  # at least 0.1 s of speech
    assert generate_ivr_prompts(t) == 0  # cached
    sounds = tmp_path / "usr/share/asterisk/sounds/zh"
    recorded = sounds / "liandong/ivr-main-menu.wav"
    shutil.copy(sounds / "liandong/ivr-goodbye.wav", recorded)  # "a studio recording"
    (sounds / "digits/7.wav").unlink()
    assert generate_ivr_prompts(t) == 1  # only the missing digit
    assert recorded.read_bytes() == (sounds / "liandong/ivr-goodbye.wav").read_bytes()


def test_every_prompt_a_flow_names_has_pinyin_for_espeak() -> None:
    flows = load_flows()
    named = {p for m in flows.menus.values() for p in m.prompts}
    for name in named | {flows.invalid_prompt, flows.timeout_prompt, flows.to_agent_prompt}:
        assert name in prompts.KNOWN
    for p in [*prompts.PROMPTS.values(), *prompts.DIGITS.values()]:
        assert re.fullmatch(r"[a-z0-9 ,.]+", p.pinyin), p.pinyin  # tone numbers, no 汉字
        assert p.text


def test_dialplan_sends_only_12345_and_12315_through_the_fastagi_address() -> None:
    files = config.render(TelephonySettings(), agi_address="127.0.0.1:4999")
    plan = files["extensions.conf"]
    assert "AGI(agi://127.0.0.1:4999/ivr,${EXTEN})" in plan
    [route] = [line for line in plan.splitlines() if "liandong-ivr,${EXTEN},1" in line]
    assert '"${EXTEN}" = "12345" | "${EXTEN}" = "12315"' in route
    # Server down (AGISTATUS ≠ SUCCESS) → the queue, never a hang-up.
    assert '"${AGISTATUS}" != "SUCCESS"]?queue' in plan
    assert "res_agi.so" in files["modules.conf"]
    with pytest.raises(TelephonyConfigInvalid, match="fastagi address"):
        config.render(TelephonySettings(), agi_address="127.0.0.1:1;evil")
