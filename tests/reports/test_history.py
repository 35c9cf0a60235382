"""`demo history` on both backends: deterministic, legal case logs (the state machine
replays them), sequences moved past the bulk-inserted ids, the watchers' cursors past
the history, and the same figures on SQLite and PostgreSQL for the same seed."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from channels.tables import ChannelCursorRow
from core.cases.models import CaseState
from core.cases.service import CaseService
from core.cases.tables import CaseEventRow, CaseRow, ContactRow
from core.clock import utc_clock
from core.escalation.dispatch import LadderDispatcher
from core.integrity.verify import verify_all
from core.storage.engine import Database
from feedback.tables import FeedbackCursorRow
from liandong.demo.history_run import generate_history
from liandong.errors import HistoryPresent
from liandong.settings import DatabaseSettings, Settings
from reports.service import ReportService

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
EXPECTED: dict[str, object] = {}


async def test_history_is_legal_deterministic_and_the_same_on_both_backends(db_url: str) -> None:
    settings = Settings(database=DatabaseSettings(url=db_url))
    db = Database(settings.database)
    try:
        result = await generate_history(settings, db, months=1, per_day=40, until=date(2026, 11, 1))
        assert result.counts["contacts"] > 1000
        with pytest.raises(HistoryPresent):
            await generate_history(settings, db, months=1, per_day=40, until=date(2026, 11, 1))
        chains = await verify_all(db)  # bulk-written logs are sealed like live ones
        assert chains.ok and chains.events > 1000, chains.summary()
        cases = CaseService(db, settings.cases, None, utc_clock, LadderDispatcher(settings.cases))
        async with db.session() as s:
            numbers = list(await s.scalars(select(CaseRow.number).order_by(CaseRow.id).limit(400)))
            states = dict(
                (await s.execute(select(CaseRow.state, func.count()).group_by(CaseRow.state))).all()
            )
            last_event = await s.scalar(select(func.max(CaseEventRow.id)))
            fb = await s.get(FeedbackCursorRow, "feedback:case_events")
            notices = await s.get(ChannelCursorRow, "notices:case_events")
        for number in numbers:  # every log replays through the state machine
            rebuilt = await cases.rebuild(number)
            async with db.session() as s:
                row = await s.scalar(select(CaseRow).where(CaseRow.number == number))
            assert row is not None and rebuilt["state"] == row.state
            assert rebuilt["reopen_count"] == row.reopen_count
        assert set(states) <= {s.value for s in CaseState} and states.get("closed", 0) > 900
        assert fb is not None and fb.value == last_event
        assert notices is not None and int(notices.value) == last_event
        # New rows after the history get fresh ids (PostgreSQL sequences were moved).
        async with db.session() as s:
            top = await s.scalar(select(func.max(CaseRow.id)))
            fresh = CaseRow(number="QX-20261126-99999", state="received", summary="")
            s.add(fresh)
            await s.flush()
            assert top is not None and fresh.id == top + 1
            contacts = await s.scalar(select(func.count()).select_from(ContactRow))
        assert contacts == result.counts["contacts"]
        report = await ReportService(
            db, settings.reports, center="黔西市", timezone="Asia/Shanghai"
        ).build("monthly", "2026-10")
        figures = {
            u.name: (u.volume, u.ack_on_time, u.done_on_time, u.rated, u.satisfied, u.reopened,
                     u.strikes, dict(u.escalations))
            for u in report.units
        }  # fmt: skip
    finally:
        await db.close()
    # Same seed, same history, same figures — whichever backend ran first.
    if "figures" in EXPECTED:
        assert figures == EXPECTED["figures"]
    EXPECTED["figures"] = figures
