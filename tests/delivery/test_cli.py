"""``liandong notify test`` by SMS and WeCom against the providers' local APIs (the
voice channel's runs are in test_voice.py, against the real Asterisk)."""

from __future__ import annotations

import importlib
import json

import pytest
from click.testing import CliRunner

from liandong.cli import main
from liandong.settings import Settings
from simulators.sms import FakeSmsServer
from simulators.wecom import FakeWeComServer
from tests.delivery.conftest import closed_endpoint

PHONE = "13985710033"


@pytest.fixture
def cli(delivery_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    # The module, not the ``notify`` group that liandong.cli exports under that name.
    module = importlib.import_module("liandong.cli.notify")
    monkeypatch.setattr(module, "load_settings", lambda: delivery_settings)
    return delivery_settings


def notify(*args: str) -> tuple[int, dict[str, object]]:
    result = CliRunner().invoke(main, ["notify", "test", "--phone", PHONE, *args, "--json"])
    return result.exit_code, json.loads(result.output.strip().splitlines()[-1])


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_notify_test_by_sms_and_wecom_exits_0_once_sent(
    cli: Settings, sms_api: FakeSmsServer, wecom_api: FakeWeComServer
) -> None:
    code, record = notify("--channel", "sms", "--text", "测试短信")
    assert code == 0 and record["state"] == "sent" and record["channel"] == "sms"
    assert record["attempts"] == 1 and record["recipient"] == "139****0033"
    assert [(m.phone, m.text) for m in sms_api.state.sent] == [(PHONE, "测试短信")]
    code, record = notify("--channel", "wecom", "--text", "测试工作消息")
    assert code == 0 and record["state"] == "sent"
    assert wecom_api.state.sent[-1]["text"]["content"] == "测试工作消息"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_notify_test_exits_1_when_the_channel_cannot_deliver(cli: Settings) -> None:
    cli.channels.wecom.api_base = f"http://{closed_endpoint()}"
    cli.delivery.attempts_per_route = 2
    code, record = notify("--channel", "wecom", "--text", "测试", "--timeout", "20")
    assert code == 1 and record["state"] == "failed" and record["attempts"] == 2
