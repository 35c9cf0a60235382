"""A call that arrives while the Stasis app is down goes to the fallback dialplan; the
FastAGI server (its own process) records it as a call-back item before the hunt, so
the platform keeps every caller (found by `liandong drill` with a killed telephony
process)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from core.cases.tables import CaseEventRow, CaseRow
from core.storage.engine import Database
from core.triage.missed import CALLBACK_MARK
from liandong.processes.fastagi import run_fastagi
from liandong.settings import Settings
from tests.telephony.fastagi.test_ivr_calls import fastagi, ivr_settings  # noqa: F401
from tests.telephony.helpers import asterisk_log, phone_contacts, sipp
from tests.telephony.phones import eventually

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def test_a_caller_the_stasis_app_never_saw_is_a_call_back_item(
    ivr_settings: Settings,  # noqa: F811
    fastagi: None,  # noqa: F811
    tmp_path: Path,
) -> None:
    # No stasis_app fixture: Stasis() finds no registered app (STASISSTATUS=FAILED).
    t = ivr_settings.telephony
    rc, out = await sipp(
        t, "119", scenario="uac_caller.xml", keys={"caller": "13700000119"},
        hold_ms=2000, cwd=tmp_path,
    )  # fmt: skip
    assert rc == 0, out  # answered by the fallback, not left ringing
    assert "LIANDONG-FALLBACK hotline=119 caller=13700000119" in asterisk_log(t)
    # Recorded in the background (the hunt never waits for the database).
    [contact] = await eventually(lambda: phone_contacts(ivr_settings), 10, "the contact")
    assert (contact.hotline, contact.sender) == ("119", "13700000119")
    db = Database(ivr_settings.database)

    async def call_back_item() -> bool:
        async with db.session() as s:
            case = await s.scalar(select(CaseRow).where(CaseRow.number == contact.case_number))
            assert case is not None
            notes = (
                await s.scalars(select(CaseEventRow.data).where(CaseEventRow.case_id == case.id))
            ).all()
        marked = case.summary.startswith(CALLBACK_MARK)
        return marked and any(n.get("missed_call") and n["reason"] == "fallback" for n in notes)

    try:
        await eventually(call_back_item, 10, "a call-back item with reason fallback")
    finally:
        await db.close()


@pytest.fixture
def slow_intake(ivr_settings: Settings) -> Settings:  # noqa: F811
    """The menu gives up registering its caller at once, as under a surge."""
    return ivr_settings.model_copy(
        update={"fastagi": ivr_settings.fastagi.model_copy(update={"intake_timeout_s": 1e-6})}
    )


async def test_a_caller_who_leaves_the_menu_before_the_intake_answers_is_still_kept(
    slow_intake: Settings, tmp_path: Path
) -> None:
    stop, ready = asyncio.Event(), asyncio.Event()
    server = asyncio.create_task(run_fastagi(slow_intake, stop, install_signals=False, ready=ready))
    await asyncio.wait_for(ready.wait(), 15)
    try:
        # No keys, hangs up after 3 s in the 12345 menu: no Stasis app ever sees it.
        rc, out = await sipp(slow_intake.telephony, "12345", hold_ms=3000, cwd=tmp_path)
        assert rc == 0, out
        [contact] = await eventually(lambda: phone_contacts(slow_intake), 15, "the contact")
        assert contact.hotline == "12345"
        await eventually(
            lambda: _call_back_item(slow_intake, contact.case_number, "hung_up"),
            15,
            "a call-back item with reason hung_up",
        )
    finally:
        stop.set()
        await asyncio.wait_for(server, 15)


async def _call_back_item(settings: Settings, number: str, reason: str) -> bool:
    db = Database(settings.database)
    try:
        async with db.session() as s:
            case = await s.scalar(select(CaseRow).where(CaseRow.number == number))
            assert case is not None
            notes = (
                await s.scalars(select(CaseEventRow.data).where(CaseEventRow.case_id == case.id))
            ).all()
    finally:
        await db.close()
    marked = case.summary.startswith(CALLBACK_MARK)
    return marked and any(n.get("missed_call") and n.get("reason") == reason for n in notes)
