"""``liandong notify``: check a recipient's channels through the delivery service."""

from __future__ import annotations

import re
import sys
import uuid
from contextlib import AsyncExitStack
from typing import Any

import click

from core.delivery.models import Purpose, Request, Route, State
from core.delivery.schemas import DeliveryOut
from liandong.cli.common import echo_json, load_settings, run_async
from liandong.settings import Settings
from liandong.wiring import build, delivery_worker

_PHONE = re.compile(r"^[0-9]{3,20}$")
OK = {
    "voice": {State.acknowledged.value},
    "sms": {State.sent.value, State.delivered.value, State.acknowledged.value},
    "wecom": {State.sent.value, State.delivered.value, State.acknowledged.value},
}


@click.group()
def notify() -> None:
    """Staff notices: reminders and ladder steps by WeCom, SMS and voice call."""


async def send_test(
    settings: Settings, phone: str, channel: str, text: str, timeout_s: float
) -> dict[str, Any]:
    """Stage one test notice (its own key: never a duplicate) and work it here until
    it settles; the delivery record as the API shows it."""
    async with AsyncExitStack() as stack:
        c = await build(settings, stack, lean=True)
        worker = await delivery_worker(
            c, settings, stack, "notify-test", voice=channel == "voice", ari_wait_s=15
        )
        req = Request(
            key=f"test:{uuid.uuid4().hex}",
            purpose=Purpose.notice,
            text=text,
            recipient=f"phone:{phone}",
            recipient_name="通道测试",
            routes=(Route(channel, phone),),
            # A call asks for the key; an administrator's test never waits for quiet hours.
            requires_ack=channel == "voice",
            urgent=True,
        )
        async with c.db.session() as s:  # staged without a wake-up: this process sends it
            delivery_id = await worker.service.stage(s, req)
        if delivery_id is None:  # a fresh key is always new; never reached
            raise click.ClickException("the test notice was not staged")
        row = await worker.settle(delivery_id, timeout_s)
        history = await worker.service.attempts([row.id])
        return DeliveryOut.of(row, history[row.id]).model_dump(mode="json")


@notify.command("test")
@click.option("--phone", required=True, help="the number to reach (digits only)")
@click.option("--channel", type=click.Choice(["voice", "sms", "wecom"]), required=True)
@click.option("--text", required=True, help="the notice, in Chinese")
@click.option("--timeout", "timeout_s", default=120.0, show_default=True,
              help="seconds to wait for the notice to settle (voice: the key 1)")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="print the delivery record as JSON")
def test_cmd(phone: str, channel: str, text: str, timeout_s: float, as_json: bool) -> None:
    """Send a test notice; exit 0 once it arrived (voice: once the callee pressed 1)."""
    if not _PHONE.match(phone):
        raise click.BadParameter("3 to 20 digits", param_hint="--phone")
    if not text.strip():
        raise click.BadParameter("must not be empty", param_hint="--text")
    record = run_async(send_test(load_settings(), phone, channel, text, timeout_s))
    if as_json:
        echo_json(record)
    else:
        click.echo(
            f"{record['channel']} → {record['recipient']}: {record['state']} "
            f"({record['attempts']} attempts)"
        )
    sys.exit(0 if record["state"] in OK[channel] else 1)
