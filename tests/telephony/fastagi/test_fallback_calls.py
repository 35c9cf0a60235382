"""A call that arrives while the Stasis app is down goes to the fallback dialplan; the
FastAGI server (its own process) records it as a call-back item before the hunt, so
the platform keeps every caller (found by `liandong drill` with a killed telephony
process)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from core.cases.tables import CaseEventRow, CaseRow
from core.storage.engine import Database
from core.triage.missed import CALLBACK_MARK
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
