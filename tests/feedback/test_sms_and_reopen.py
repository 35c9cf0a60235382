"""Ratings by SMS reply (tolerant of noise, polite without an open request) and the
reopen rule: 不满意 reopens the case to the same unit with the shorter deadline after
the hold, unless a supervisor overrules inside the hold with a reason."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select

from channels.casestatus import NOTHING_TO_RATE
from channels.sms.settings import DEMO_CALLBACK_SECRET
from channels.tables import OutboundMessageRow
from channels.wiring import Channels
from core.cases.tables import CaseEventRow, CaseRow, ContactRow, InstructionRow
from core.errors import InvalidInput, NotFound
from core.ratings.tables import RatingRow
from feedback.errors import HoldNotOpen
from feedback.service import FeedbackService
from feedback.tables import ReopenHoldRow
from simulators.sms import receipt_time
from tests.conftest import login
from tests.feedback.helpers import LEADER, completed_case

pytestmark = pytest.mark.anyio
TOKEN = {"token": DEMO_CALLBACK_SECRET}
PHONE = "13985710001"
SEQ = iter(range(700000, 800000))


async def sms(client: httpx.AsyncClient, text: str, phone: str = PHONE) -> None:
    item = {"phone_number": phone, "send_time": receipt_time(), "content": text,
            "sign_name": "联动中心", "dest_code": "1069", "sequence_id": next(SEQ)}  # fmt: skip
    body = json.dumps([item], ensure_ascii=False).encode()
    r = await client.post("/channels/sms/aliyun/up", params=TOKEN, content=body)
    assert r.status_code == 200, r.text


async def last_reply(ch: Channels, phone: str = PHONE) -> str:
    async with ch.core.db.session() as s:
        row = await s.scalar(
            select(OutboundMessageRow)
            .where(OutboundMessageRow.recipient == phone)
            .order_by(OutboundMessageRow.id.desc())
        )
    assert row is not None
    return str(row.payload["text"])


async def count(ch: Channels, model: type) -> int:
    async with ch.core.db.session() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


async def case_row(ch: Channels, number: str) -> CaseRow:
    async with ch.core.db.session() as s:
        case = await s.scalar(select(CaseRow).where(CaseRow.number == number))
    assert case is not None
    return case


def service(ch: Channels, offset: list[timedelta]) -> FeedbackService:
    c = ch.core
    clock: Callable[[], datetime] = lambda: datetime.now(UTC) + offset[0]  # noqa: E731
    return FeedbackService(c.db, c.cases, c.settings.feedback, clock)


async def test_a_rating_without_an_open_request_is_a_polite_no_op(
    ch_client: httpx.AsyncClient, channels: Channels
) -> None:
    await sms(ch_client, "1", phone="13985710099")
    assert await last_reply(channels, "13985710099") == NOTHING_TO_RATE
    assert await count(channels, ContactRow) == 0  # no case was opened for a bare "1"


async def test_sms_replies_rate_the_open_case_through_noise_and_ask_again_on_garbage(
    ch_client: httpx.AsyncClient, channels: Channels
) -> None:
    c = channels.core
    number, unit = await completed_case(c, sender=PHONE)
    contacts = await count(channels, ContactRow)
    await sms(ch_client, "abc")
    reply = await last_reply(channels)
    assert "未能识别您的评价" in reply and number in reply
    assert (await case_row(channels, number)).state == "completed"
    await sms(ch_client, "１满意谢谢")
    assert (await last_reply(channels)).startswith("感谢您的评价（满意）")
    assert (await case_row(channels, number)).state == "evaluated"
    assert await count(channels, ContactRow) == contacts  # replies opened no cases
    fb = service(channels, [timedelta(0)])
    await fb.poll()
    await fb.poll()  # a second pass adds nothing
    async with c.db.session() as s:
        [rating] = list(await s.scalars(select(RatingRow)))
    assert (rating.stage, rating.rating, rating.source, rating.unit_id) == (
        "overall", 1, "sms", unit,
    )  # fmt: skip
    # Once rated, nothing is open any more: another "3" changes nothing.
    await sms(ch_client, "3")
    assert await last_reply(channels) == NOTHING_TO_RATE


async def test_dissatisfied_reopens_to_the_same_unit_with_the_shorter_deadline(
    ch_client: httpx.AsyncClient, channels: Channels
) -> None:
    c = channels.core
    number, unit = await completed_case(c, sender=PHONE)
    await sms(ch_client, "不满意!!")
    assert (await case_row(channels, number)).state == "evaluated"
    offset = [timedelta(0)]
    fb = service(channels, offset)
    await fb.poll()
    [hold] = await fb.holds(number)
    assert hold.state == "pending"
    offset[0] = timedelta(minutes=29)
    assert await fb.sweep_holds() == 0  # still the supervisor's window
    offset[0] = timedelta(minutes=31)
    assert await fb.sweep_holds() == 1
    case = await case_row(channels, number)
    assert case.state == "dispatched" and case.reopen_count == 1
    async with c.db.session() as s:
        first, second = list(
            await s.scalars(
                select(InstructionRow)
                .where(InstructionRow.case_id == case.id)
                .order_by(InstructionRow.id)
            )
        )
        reopen = await s.scalar(
            select(CaseEventRow).where(
                CaseEventRow.case_id == case.id, CaseEventRow.action == "reopen"
            )
        )
    assert second.unit_id == first.unit_id == unit and second.role == "lead"
    factor = c.settings.cases.reopen_deadline_factor
    normal = first.done_deadline - first.sent_at
    shorter = second.done_deadline - second.sent_at
    assert shorter < normal and shorter <= normal * factor * 1.05
    assert reopen is not None and "不满意" in reopen.data["reason"]
    assert (await fb.holds(number))[0].state == "reopened"
    with pytest.raises(NotFound):
        await fb.overrule(number, "太晚了", LEADER)
    assert await fb.sweep_holds() == 0  # exactly once


async def test_a_supervisor_overrules_inside_the_hold_with_a_reason_only(
    ch_client: httpx.AsyncClient, channels: Channels
) -> None:
    c = channels.core
    number, _ = await completed_case(c, sender=PHONE)
    await sms(ch_client, "3")
    offset = [timedelta(0)]
    fb = service(channels, offset)
    await fb.poll()
    with pytest.raises(InvalidInput):
        await fb.overrule(number, "  ", LEADER)
    offset[0] = timedelta(minutes=10)
    hold = await fb.overrule(number, "诉求超出政策范围，已当面解释", LEADER)
    assert hold.state == "overruled" and hold.decided_by == "leader"
    case = await case_row(channels, number)
    assert case.state == "closed" and case.reopen_count == 0
    async with c.db.session() as s:
        close = await s.scalar(
            select(CaseEventRow).where(
                CaseEventRow.case_id == case.id, CaseEventRow.action == "close"
            )
        )
    assert close is not None and close.data["reason"] == "否决重办：诉求超出政策范围，已当面解释"
    offset[0] = timedelta(hours=2)
    assert await fb.sweep_holds() == 0
    assert (await case_row(channels, number)).state == "closed"


async def test_overruling_after_the_hold_is_refused_and_the_case_reopens(
    ch_client: httpx.AsyncClient, channels: Channels
) -> None:
    c = channels.core
    number, _ = await completed_case(c, sender=PHONE)
    await sms(ch_client, "3")
    offset = [timedelta(0)]
    fb = service(channels, offset)
    await fb.poll()
    offset[0] = timedelta(minutes=30, seconds=1)
    with pytest.raises(HoldNotOpen) as err:
        await fb.overrule(number, "理由", LEADER)
    assert err.value.error_id == "reopen-hold-closed"
    assert await fb.sweep_holds() == 1
    assert (await case_row(channels, number)).state == "dispatched"


async def test_overrule_api_is_for_supervisors_and_records_the_reason(
    ch_client: httpx.AsyncClient, channels: Channels
) -> None:
    c = channels.core
    number, _ = await completed_case(c, sender=PHONE)
    await sms(ch_client, "3")
    await service(channels, [timedelta(0)]).poll()
    unit = await login(ch_client, "xinren", "demo-unit-110")
    r = await ch_client.post(
        f"/api/v1/feedback/cases/{number}/overrule", json={"reason": "x理由"}, headers=unit
    )
    assert r.status_code == 403
    leader = await login(ch_client, "leader", "demo-leader-110")
    r = await ch_client.post(
        f"/api/v1/feedback/cases/{number}/overrule", json={"reason": "已协调解决"}, headers=leader
    )
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "overruled" and r.json()["reason"] == "已协调解决"
    r = await ch_client.get(f"/api/v1/feedback/cases/{number}", headers=leader)
    body = r.json()
    assert [x["rating"] for x in body["ratings"]] == [3] and body["holds"][0][
        "state"
    ] == "overruled"
    async with c.db.session() as s:
        holds = list(await s.scalars(select(ReopenHoldRow)))
    assert len(holds) == 1
