"""The delivery service end to end through the real SDKs and their local provider
APIs: one message per key, retries then fallback, acknowledgement, quiet hours, rate
limits, and every attempt in the case log — on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from core.cases.tables import CaseEventRow
from core.delivery.models import Purpose, Request, Route, State
from core.delivery.worker import DeliveryWorker
from simulators.sms import FakeSmsServer
from simulators.wecom import FakeWeComServer
from tests.delivery.conftest import Env, closed_endpoint

pytestmark = pytest.mark.anyio
PHONE = "13985710001"


def notice(key: str, *routes: tuple[str, str], **kw: object) -> Request:
    fields: dict[str, object] = {
        "key": key,
        "purpose": Purpose.reminder,
        "text": "【催办】新仁苗族乡综治中心承办的工单须于12月8日10:30前签收，请抓紧办理。",
        "recipient": "person:7",
        "recipient_name": "王明（乡长）",
        "routes": tuple(Route(c, a) for c, a in routes),
        "requires_ack": False,
        **kw,
    }
    return Request(**fields)  # type: ignore[arg-type]


async def outcomes(env: Env, delivery_id: int) -> list[tuple[str, str]]:
    history = await env.service.attempts([delivery_id])
    return [(a.channel, a.outcome) for a in history[delivery_id]]


async def test_a_notice_staged_twice_and_woken_twice_is_sent_once(
    env: Env, sms_api: FakeSmsServer
) -> None:
    first = await env.service.enqueue([notice("esc:1:remind:ack:0:person:7", ("sms", PHONE))])
    # The scheduler re-delivers after a crash: the same key again, nothing new.
    again = await env.service.enqueue([notice("esc:1:remind:ack:0:person:7", ("sms", PHONE))])
    assert len(first) == 1 and again == []
    # Duplicated wake-ups, and a second worker process, work on the same row at once.
    other = DeliveryWorker(env.service, env.worker.senders, name="other")
    await asyncio.gather(env.worker.step(first[0]), other.step(first[0]), env.worker.step(first[0]))
    row = await env.service.get(first[0])
    assert row.state == State.sent and row.attempts == 1
    assert [m.phone for m in sms_api.state.sent] == [PHONE]


async def test_an_sms_provider_down_falls_back_to_the_other_provider(
    env: Env, sms_api: FakeSmsServer
) -> None:
    env.settings.channels.sms.aliyun.endpoint = closed_endpoint()
    worker = await env.rebuild_worker()
    [delivery_id] = await env.service.enqueue([notice("fallback", ("sms", PHONE))])
    row = await worker.settle(delivery_id, 30)
    assert row.state == State.sent and row.provider == "tencent"
    assert [(m.provider, m.phone) for m in sms_api.state.sent] == [("tencent", f"+86{PHONE}")]


async def test_a_channel_down_is_retried_with_backoff_then_the_next_channel_is_used(
    env: Env, sms_api: FakeSmsServer
) -> None:
    env.settings.channels.wecom.api_base = f"http://{closed_endpoint()}"
    env.settings.delivery.attempts_per_route = 2
    worker = await env.rebuild_worker()
    [delivery_id] = await env.service.enqueue(
        [notice("retry-then-next", ("wecom", PHONE), ("sms", PHONE))]
    )
    row = await worker.settle(delivery_id, 30)
    assert row.state == State.sent and row.attempts == 3
    assert await outcomes(env, delivery_id) == [
        ("wecom", "retry"), ("wecom", "failed"), ("sms", "sent"),
    ]  # fmt: skip
    assert len(sms_api.state.sent) == 1


async def test_an_unacknowledged_notice_goes_to_the_next_channel_then_is_flagged(
    env: Env, wecom_api: FakeWeComServer, sms_api: FakeSmsServer
) -> None:
    env.settings.delivery.ack_timeout_s = 0.3
    number, case_id = await env.case()
    [delivery_id] = await env.service.enqueue(
        [notice("no-ack", ("wecom", PHONE), ("sms", PHONE), requires_ack=True,
                case_id=case_id, case_number=number)]
    )  # fmt: skip
    row = await env.worker.settle(delivery_id, 30)
    assert row.state == State.flagged
    assert await outcomes(env, delivery_id) == [
        ("wecom", "sent"), ("wecom", "no_ack"), ("sms", "sent"), ("sms", "no_ack"),
        ("sms", "flagged"),
    ]  # fmt: skip
    card = wecom_api.state.sent[0]
    assert card["msgtype"] == "textcard" and card["touser"] == PHONE
    assert sms_api.state.sent[0].text.endswith("（收到请回复1）")
    async with env.core.db.session() as s:
        logged = [
            e.data["delivery"]["outcome"]
            for e in await s.scalars(
                select(CaseEventRow)
                .where(CaseEventRow.case_id == case_id)
                .order_by(CaseEventRow.seq)
            )
            if "delivery" in e.data
        ]
    assert logged == ["sent", "no_ack", "sent", "no_ack", "flagged"]


async def test_quiet_hours_hold_a_reminder_but_never_a_ladder_step(
    env: Env, sms_api: FakeSmsServer
) -> None:
    env.settings.delivery.quiet_hours = (22, 7)
    night = datetime(2026, 12, 8, 15, 0, tzinfo=UTC)  # 23:00 in Qianxi
    env.service.clock = env.worker.clock = lambda: night
    reminder, step = await env.service.enqueue(
        [
            notice("quiet-reminder", ("sms", PHONE)),
            notice("quiet-step", ("sms", "13985710002"), purpose=Purpose.ladder_step),
        ]
    )
    await env.worker.step(reminder)
    await env.worker.step(step)
    held, sent = await env.service.get(reminder), await env.service.get(step)
    assert held.state == State.queued
    assert held.next_attempt_at == datetime(2026, 12, 8, 23, 0, tzinfo=UTC)  # 07:00 local
    assert sent.state == State.sent
    assert [m.phone for m in sms_api.state.sent] == ["13985710002"]


async def test_the_per_recipient_rate_limit_holds_the_next_notice(
    env: Env, sms_api: FakeSmsServer
) -> None:
    env.settings.delivery.per_recipient = 1
    a, b = await env.service.enqueue(
        [notice("rate-a", ("sms", PHONE)), notice("rate-b", ("sms", PHONE))]
    )
    await env.worker.step(a)
    await env.worker.step(b)
    first, second = await env.service.get(a), await env.service.get(b)
    assert first.state == State.sent and second.state == State.queued
    assert second.next_attempt_at is not None and second.next_attempt_at > env.core.clock()
    assert second.attempts == 0 and len(sms_api.state.sent) == 1
