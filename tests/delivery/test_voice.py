"""Voice notices against a real Asterisk 22: the leader's phone is a sipp UAS behind
the carrier-out trunk. It answers and presses 1 (RFC 2833 from Debian sip-tester's
dtmf_2833_1.pcap) → acknowledged; it answers and presses nothing → the next channel.
``liandong notify test --channel voice`` is checked the same way."""

from __future__ import annotations

import asyncio
import importlib
import json
import re
import socket
import subprocess
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
from click.testing import CliRunner

from core.delivery.models import Purpose, Request, Route, State
from liandong.cli import main
from liandong.settings import Settings
from liandong.wiring import build, delivery_worker
from simulators.sms import FakeSmsServer
from tests.conftest import make_settings
from tests.delivery.conftest import Env
from tests.feedback.conftest import SurveyAsterisk
from tests.feedback.test_ivr_survey import render_scenario
from tests.telephony.helpers import free_udp_port

pytestmark = pytest.mark.slow
LEADER = "13800000913"
TEXT = "【督办·单位主要领导督促办理】新仁苗族乡综治中心未按时签收工单，请督促办理。"


@pytest.fixture
def voice_settings(
    sqlite_url: str,
    redis_url: str,
    redis_prefix: str,
    notify_asterisk: SurveyAsterisk,
    sms_api: FakeSmsServer,
) -> Settings:
    settings = make_settings(sqlite_url, redis_url, redis_prefix)
    notify = notify_asterisk.telephony.notify.model_copy(
        update={"ring_s": 10, "digit_timeout_s": 4.0, "rounds": 1}
    )
    settings.telephony = notify_asterisk.telephony.model_copy(update={"notify": notify})
    for provider in (settings.channels.sms.aliyun, settings.channels.sms.tencent):
        provider.endpoint = sms_api.endpoint
    settings.channels.sms.aliyun.protocol = "HTTP"
    settings.channels.sms.tencent.protocol = "http://"
    settings.channels.wecom.enabled = False
    settings.delivery = settings.delivery.model_copy(update={"quiet_hours": None})
    return settings


@pytest.fixture
async def voice_env(voice_settings: Settings) -> AsyncIterator[Env]:
    async with AsyncExitStack() as stack:
        c = await build(voice_settings, stack, lean=True)
        worker = await delivery_worker(c, voice_settings, stack, "voice", voice=True,
                                       ari_wait_s=30)  # fmt: skip
        yield Env(c, worker.service, worker, voice_settings, stack)


def phone(port: int, keys: str, tmp: Path) -> subprocess.Popen[bytes]:
    """The leader's phone: answers, presses ``keys`` 3 s later, waits for our BYE.
    Returns once sipp listens (an INVITE to a closed UDP port fails at once)."""
    scenario = render_scenario(keys, tmp / f"uas-{keys or 'silent'}.xml")
    if "INFO [$peer]" not in scenario.read_text():
        # No key is pressed twice, so no SIP INFO uses the dialog variables the
        # template assigns; sipp refuses a variable assigned and never read.
        scenario.write_text(re.sub(r"<action>\s*<ereg.*?</action>", "", scenario.read_text(),
                                   count=1, flags=re.S))  # fmt: skip
    p = subprocess.Popen(
        ["sipp", "-sf", str(scenario), "-i", "127.0.0.1", "-p", str(port), "-mp",
         str(free_udp_port()), "-m", "1", "-timeout", "90", "-timeout_error", "-nostdin"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=tmp,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and p.poll() is None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                return p  # taken: sipp is listening
        time.sleep(0.05)
    out = p.communicate(timeout=5)[0].decode(errors="replace") if p.poll() is not None else ""
    raise AssertionError(f"sipp did not start listening on {port}: {out[-600:]}")


async def finished(p: subprocess.Popen[bytes]) -> tuple[int, str]:
    out, _ = await asyncio.to_thread(p.communicate, timeout=60)
    return p.returncode, out.decode(errors="replace")[-1500:]


def ladder_step(key: str, *routes: Route) -> Request:
    return Request(
        key=key, purpose=Purpose.ladder_step, text=TEXT, recipient="person:7",
        recipient_name="王明（乡长）", routes=routes, requires_ack=True,
    )  # fmt: skip


@pytest.mark.anyio
async def test_the_leader_presses_1_and_the_ladder_step_is_acknowledged(
    voice_env: Env,
    notify_asterisk: SurveyAsterisk,
    tmp_path: Path,
) -> None:
    p = phone(notify_asterisk.uas_port, "1", tmp_path)
    [delivery_id] = await voice_env.service.enqueue(
        [ladder_step("voice-ack", Route("voice", LEADER), Route("sms", LEADER))]
    )
    row = await voice_env.worker.settle(delivery_id, 60)
    code, out = await finished(p)
    history = (await voice_env.service.attempts([delivery_id]))[delivery_id]
    assert row.state == State.acknowledged, (
        [(a.channel, a.outcome, a.error) for a in history],
        out,
    )
    assert row.acknowledged_via == "voice" and row.attempts == 1
    history = (await voice_env.service.attempts([delivery_id]))[delivery_id]
    assert [(a.channel, a.outcome, a.provider) for a in history] == [
        ("voice", "acknowledged", "asterisk")
    ]
    assert code == 0, out


@pytest.mark.anyio
async def test_the_leader_answers_without_pressing_and_the_next_channel_is_tried(
    voice_env: Env,
    notify_asterisk: SurveyAsterisk,
    sms_api: FakeSmsServer,
    tmp_path: Path,
) -> None:
    voice_env.settings.delivery.ack_timeout_s = 600  # the SMS then waits for its "1"
    p = phone(notify_asterisk.uas_port, "", tmp_path)
    [delivery_id] = await voice_env.service.enqueue(
        [ladder_step("voice-silent", Route("voice", LEADER), Route("sms", LEADER))]
    )
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    row = await voice_env.service.get(delivery_id)
    while row.state != State.sent and loop.time() < deadline:  # voice, then the SMS
        await voice_env.worker.step(delivery_id)
        await asyncio.sleep(0.2)
        row = await voice_env.service.get(delivery_id)
    code, out = await finished(p)
    history = (await voice_env.service.attempts([delivery_id]))[delivery_id]
    assert [(a.channel, a.outcome) for a in history] == [("voice", "unanswered"), ("sms", "sent")]
    assert row.state == State.sent and row.channel == "sms"
    assert [m.phone for m in sms_api.state.sent] == [LEADER]
    assert code == 0, out  # the call was answered and we hung it up


@pytest.fixture
def cli_settings(voice_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    # The module, not the ``notify`` group that liandong.cli exports under that name.
    cli_module = importlib.import_module("liandong.cli.notify")
    monkeypatch.setattr(cli_module, "load_settings", lambda: voice_settings)
    return voice_settings


def test_notify_test_by_voice_exits_0_once_the_callee_pressed_1(
    cli_settings: Settings,
    notify_asterisk: SurveyAsterisk,
    tmp_path: Path,
) -> None:
    p = phone(notify_asterisk.uas_port, "1", tmp_path)
    result = CliRunner().invoke(
        main,
        ["notify", "test", "--phone", LEADER, "--channel", "voice", "--text", "这是一条测试通知。",
         "--json", "--timeout", "60"],
    )  # fmt: skip
    out, _ = p.communicate(timeout=60)
    assert result.exit_code == 0, (result.output, out.decode(errors="replace")[-800:])
    record = json.loads(result.output.strip().splitlines()[-1])
    assert {k: record[k] for k in ("state", "channel", "attempts")} == {
        "state": "acknowledged", "channel": "voice", "attempts": 1,
    }  # fmt: skip
    assert record["recipient"] == "138****0913"


def test_notify_test_by_voice_exits_non_zero_when_nobody_presses_1(
    cli_settings: Settings,
    notify_asterisk: SurveyAsterisk,
    tmp_path: Path,
) -> None:
    p = phone(notify_asterisk.uas_port, "", tmp_path)
    result = CliRunner().invoke(
        main,
        ["notify", "test", "--phone", LEADER, "--channel", "voice", "--text", "测试。", "--json",
         "--timeout", "60"],
    )  # fmt: skip
    p.communicate(timeout=60)
    assert result.exit_code == 1, result.output
    record = json.loads(result.output.strip().splitlines()[-1])
    assert record["state"] == "flagged" and record["channel"] == "voice"
    bad = CliRunner().invoke(main, ["notify", "test", "--phone", "12&3", "--channel", "voice",
                                    "--text", "x"])  # fmt: skip
    assert bad.exit_code == 2 and "3 to 20 digits" in bad.output
