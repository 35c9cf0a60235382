"""What people see: the case's deliveries (masked), the flagged list of the big screen,
acknowledgement by the work message's link and from the unit portal."""

from __future__ import annotations

from urllib.parse import urlparse

import httpx
import pytest
from sqlalchemy import func, select

from channels.sms.settings import DEMO_CALLBACK_SECRET
from core.auth.tables import UserRow
from core.cases.lifecycle import Action
from core.cases.schemas import CaseActionIn
from core.cases.tables import ContactRow, InstructionRow
from core.delivery.models import Purpose, Request, Route, State
from core.delivery.notifier import DeliveryNotifier
from core.escalation.notifier import RecordingNotifier
from core.escalation.ports import Notice
from core.escalation.scheduler import build_scheduler
from simulators.sms import FakeSmsServer
from simulators.wecom import FakeWeComServer
from tests.channels.test_sms import aliyun_up
from tests.conftest import login
from tests.delivery.conftest import Env
from tests.feedback.helpers import ADMIN, unit_id

pytestmark = pytest.mark.anyio
PHONE = "13985710001"
LEADER = "13985719131"


def ladder_notice(
    number: str, instruction_id: int, recipient: str, phone: str | None, step: str
) -> Notice:
    return Notice(
        key=f"{instruction_id}:{step}:{recipient}",
        recipient=recipient,
        person_id=None,
        name="市纪委监委" if phone is None else "王明（乡长）",
        phone=phone,
        message="【督办·单位主要领导督促办理】新仁苗族乡综治中心未按时签收工单，请督促办理。",
        case_number=number,
        instruction_id=instruction_id,
        step=step,
    )


async def test_case_deliveries_show_channel_masked_recipient_purpose_state_and_attempts(
    env: Env, client: httpx.AsyncClient
) -> None:
    number, case_id = await env.case()
    reply = Request(
        key="reply-1", purpose=Purpose.reply, text="您好，已转新仁乡处理。", recipient="citizen",
        recipient_name="群众", routes=(Route("sms", PHONE),), case_id=case_id, case_number=number,
    )  # fmt: skip
    [delivery_id] = await env.service.enqueue([reply])
    await env.worker.settle(delivery_id, 20)
    headers = await login(client, "calltaker", "demo-calltaker-110")
    r = await client.get(f"/api/v1/cases/{number}/deliveries", headers=headers)
    assert r.status_code == 200, r.text
    [item] = r.json()["items"]
    assert {k: item[k] for k in ("channel", "recipient", "purpose", "state", "attempts")} == {
        "channel": "sms", "recipient": "139****0001", "purpose": "reply", "state": "sent",
        "attempts": 1,
    }  # fmt: skip
    assert PHONE not in r.text
    missing = await client.get("/api/v1/cases/QX-20000101-99999/deliveries", headers=headers)
    assert missing.status_code == 404 and missing.json()["error_id"] == "case-not-found"


async def test_the_ladder_notices_go_through_delivery_and_one_without_a_channel_is_flagged(
    env: Env, client: httpx.AsyncClient
) -> None:
    number, _ = await env.case()
    uid = await unit_id(env.core, "新仁苗族乡")
    await env.core.cases.act(number, Action.dispatch, CaseActionIn(lead_unit_id=uid), ADMIN)
    notifier = DeliveryNotifier(env.service, RecordingNotifier(env.core.db, env.core.clock))
    # The real scheduler takes the dispatch step: its notice is staged, not awaited.
    assert await build_scheduler(env.core.db, "t", env.core.clock, notifier).drain() == 1
    [dispatched] = await env.service.for_case(number)
    assert dispatched.purpose == Purpose.notice and dispatched.urgent
    assert dispatched.instruction_id is not None
    await notifier.notify(
        [
            ladder_notice(number, dispatched.instruction_id, "org:市纪委监委", None, "escalate:4"),
            ladder_notice(number, dispatched.instruction_id, "person:7", PHONE, "escalate:1"),
        ]
    )
    rows = {r.recipient: r for r in await env.service.for_case(number)}
    assert rows["org:市纪委监委"].state == State.flagged
    assert rows["org:市纪委监委"].purpose == Purpose.ladder_step
    assert [c for c, _ in rows["person:7"].routes] == ["wecom", "sms", "voice"]
    assert rows["person:7"].requires_ack and rows["person:7"].state == State.queued
    headers = await login(client, "leader", "demo-leader-110")
    r = await client.get("/api/v1/deliveries/flagged", headers=headers)
    assert r.status_code == 200
    assert [i["recipient_name"] for i in r.json()["items"]] == ["市纪委监委"]


async def test_the_work_message_link_acknowledges_the_notice_once(
    env: Env, client: httpx.AsyncClient, wecom_api: FakeWeComServer
) -> None:
    number, case_id = await env.case()
    req = Request(
        key="ack-link", purpose=Purpose.ladder_step, text="【督办】请督促办理。",
        recipient="person:7", recipient_name="王明", routes=(Route("wecom", "wang.ming"),),
        case_id=case_id, case_number=number, requires_ack=True,
    )  # fmt: skip
    [delivery_id] = await env.service.enqueue([req])
    await env.worker.step(delivery_id)
    assert (await env.service.get(delivery_id)).state == State.sent
    link = urlparse(wecom_api.state.sent[0]["textcard"]["url"])
    forged = await client.get(f"{link.path}?d={delivery_id}&t=AAAAAAAAAAAAAAAAAAAAAA")
    assert forged.status_code == 422 and forged.json()["error_id"] == "ack-token-invalid"
    r = await client.get(f"{link.path}?{link.query}")
    assert r.status_code == 200 and "已确认收到" in r.text
    again = await client.get(f"{link.path}?{link.query}")
    assert "此前已确认" in again.text
    row = await env.service.get(delivery_id)
    assert row.state == State.acknowledged and row.acknowledged_via == "link"
    assert row.next_attempt_at is None  # no next channel


async def test_opening_the_notice_in_the_unit_portal_acknowledges_it(
    env: Env, client: httpx.AsyncClient
) -> None:
    req = Request(
        key="ack-portal", purpose=Purpose.reminder, text="【催办】请抓紧办理。",
        recipient="unit:3", recipient_name="新仁苗族乡综治中心", routes=(Route("sms", PHONE),),
        requires_ack=True,
    )  # fmt: skip
    [delivery_id] = await env.service.enqueue([req])
    await env.worker.step(delivery_id)
    headers = await login(client, "xinren", "demo-unit-110")
    r = await client.post(f"/api/v1/deliveries/{delivery_id}/ack", headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "acknowledged" and r.json()["acknowledged_via"] == "portal"
    gone = await client.post("/api/v1/deliveries/999999/ack", headers=headers)
    assert gone.status_code == 404 and gone.json()["error_id"] == "delivery-not-found"


async def test_a_reply_1_by_sms_acknowledges_the_leaders_notice_and_opens_no_case(
    env: Env, client: httpx.AsyncClient, sms_api: FakeSmsServer
) -> None:
    req = Request(
        key="ack-sms", purpose=Purpose.ladder_step, text="【督办】请督促办理。",
        recipient="person:7", recipient_name="王明", routes=(Route("sms", LEADER),),
        requires_ack=True,
    )  # fmt: skip
    [delivery_id] = await env.service.enqueue([req])
    await env.worker.step(delivery_id)
    assert sms_api.state.sent[-1].text.endswith("（收到请回复1）")
    r = await client.post(
        "/channels/sms/aliyun/up", params={"token": DEMO_CALLBACK_SECRET},
        content=aliyun_up("1", 9131, phone=LEADER),
    )  # fmt: skip
    assert r.status_code == 200 and r.json()["code"] == 0
    row = await env.service.get(delivery_id)
    assert row.state == State.acknowledged and row.acknowledged_via == "sms"
    async with env.core.db.session() as s:
        contacts = await s.scalar(
            select(func.count()).select_from(ContactRow).where(ContactRow.sender == LEADER)
        )
    assert contacts == 0
    assert len(sms_api.state.sent) == 1  # no answer to the "1"


async def test_opening_the_unit_portal_acknowledges_the_units_notices_and_no_one_elses(
    env: Env, client: httpx.AsyncClient
) -> None:
    number, case_id = await env.case()
    async with env.core.db.session() as s:
        uid = await s.scalar(select(UserRow.unit_id).where(UserRow.username == "xinren"))
    assert uid is not None
    await env.core.cases.act(number, Action.dispatch, CaseActionIn(lead_unit_id=uid), ADMIN)
    async with env.core.db.session() as s:
        instruction = await s.scalar(
            select(InstructionRow.id).where(InstructionRow.case_id == case_id)
        )

    def notice(key: str, recipient: str) -> Request:
        return Request(
            key=key, purpose=Purpose.reminder, text="【催办】请抓紧办理。", recipient=recipient,
            recipient_name="x", routes=(Route("sms", PHONE),), case_id=case_id,
            case_number=number, instruction_id=instruction, requires_ack=True,
        )  # fmt: skip

    ours, deputy = await env.service.enqueue(
        [notice("portal-unit", f"unit:{uid}"), notice("portal-deputy", "person:999999")]
    )
    for i in (ours, deputy):
        await env.worker.step(i)
    headers = await login(client, "xinren", "demo-unit-110")
    r = await client.post("/api/v1/deliveries/ack-unit", headers=headers)
    assert r.status_code == 200 and r.json() == {"acknowledged": 1}, r.text
    assert (await env.service.get(ours)).acknowledged_via == "portal"
    assert (await env.service.get(deputy)).state == State.sent
    center = await login(client, "dispatcher", "demo-dispatcher-110")
    r = await client.post("/api/v1/deliveries/ack-unit", headers=center)
    assert r.json() == {"acknowledged": 0}
