"""Report figures from the aggregate SQL against a small hand-computed fixture, on
SQLite and on PostgreSQL. October 2026 in Qianxi's local time is
[2026-09-30T16:00Z, 2026-10-31T16:00Z)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from core.cases.tables import CaseEventRow, CaseRow, InstructionRow
from core.escalation.tables import EscalationRow, EscalationStepRow
from core.orgmap.tables import UnitRow
from core.ratings.tables import RatingRow
from core.storage.engine import Database
from liandong.settings import DatabaseSettings
from reports.service import ReportService
from reports.settings import ReportSettings

pytestmark = pytest.mark.anyio
T = datetime(2026, 10, 10, 2, 0, tzinfo=UTC)  # mid-October
MIN, H = timedelta(minutes=1), timedelta(hours=1)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


class Fixture:
    def __init__(self, s: Any, units: dict[str, int]) -> None:
        self.s, self.u, self.n = s, units, 0

    async def case(self, township: str = "A") -> int:
        self.n += 1
        row = CaseRow(number=f"QX-20261010-{self.n:05d}", state="closed", category="government",
                      priority=3, summary="", township_id=self.u[township], reopen_count=0,
                      created_at=T, updated_at=T, version=1)  # fmt: skip
        self.s.add(row)
        await self.s.flush()
        return int(row.id)

    async def instruction(self, unit: str, sent: datetime, *, ack: timedelta | None,
                          done: timedelta | None, state: str = "completed",
                          role: str = "lead") -> InstructionRow:  # fmt: skip
        """Limits: 30 min to acknowledge, 24 h to complete."""
        row = InstructionRow(
            case_id=await self.case(), unit_id=self.u[unit], role=role, state=state, sent_at=sent,
            ack_deadline=sent + 30 * MIN, done_deadline=sent + 24 * H,
            acknowledged_at=None if ack is None else sent + ack,
            completed_at=None if done is None else sent + done,
        )  # fmt: skip
        self.s.add(row)
        await self.s.flush()
        return row

    async def rating(self, unit: str, value: int, source: str = "sms", stage: str = "overall",
                     when: datetime = T) -> None:  # fmt: skip
        self.s.add(RatingRow(case_id=await self.case(), unit_id=self.u[unit], stage=stage,
                             rating=value, source=source, actor="t", rated_at=when))  # fmt: skip

    async def event(self, action: str, when: datetime, **data: Any) -> None:
        self.s.add(CaseEventRow(case_id=await self.case(), seq=1, at=when, actor="t",
                                action=action, before={}, after={}, data=data))  # fmt: skip

    async def steps(
        self, ins: InstructionRow, unit: str, *taken: tuple[str, int, datetime]
    ) -> None:
        esc = EscalationRow(
            instruction_id=ins.id, case_id=ins.case_id, unit_id=self.u[unit], assignee_how="unit",
            phase="closed", level=len(taken), window_start=ins.sent_at, deadline=ins.done_deadline,
            working=False, reminded=True, ack_limit="30m", done_limit="24h", ack_grace="30m",
            done_grace="4h", next_due_at=None,
        )  # fmt: skip
        self.s.add(esc)
        await self.s.flush()
        for kind, level, when in taken:
            self.s.add(EscalationStepRow(
                escalation_id=esc.id, instruction_id=ins.id, case_id=ins.case_id,
                step=f"{kind}:{level}", kind=kind, level=level, cause="ack_missed", due_at=when,
                taken_at=when, taken_by="t", notices=[],
            ))  # fmt: skip


async def write_fixture(db: Database) -> dict[str, int]:
    async with db.session() as s:
        names = {"A": "新仁苗族乡", "B": "钟山镇", "D": "市公安局指挥中心"}
        u = {k: int(await s.scalar(select(UnitRow.id).where(UnitRow.name == v)) or 0)
             for k, v in names.items()}  # fmt: skip
        # A grid of township A: its instructions count for A.
        u["gridA"] = int(
            await s.scalar(
                select(UnitRow.id)
                .where(UnitRow.kind == "grid", UnitRow.code.like("%"))
                .where(UnitRow.parent_id.in_(select(UnitRow.id).where(UnitRow.parent_id == u["A"])))
                .limit(1)
            )
            or 0
        )
        f = Fixture(s, u)
        # Township A (with its grid): 5 lead instructions in October.
        i2 = await f.instruction("A", T, ack=10 * MIN, done=2 * H)  # both on time
        await f.instruction("A", T, ack=45 * MIN, done=3 * H)  # late ack, on-time done
        await f.instruction("gridA", T, ack=5 * MIN, done=None, state="acknowledged")
        await f.instruction("A", T, ack=None, done=None, state="withdrawn")  # sat on it
        # 23:30 on 31 October local time is still October …
        await f.instruction("A", at("2026-10-31T23:30:00+08:00"), ack=29 * MIN, done=25 * H)
        # … 00:10 on 1 November local is not (although UTC is still in October),
        await f.instruction("A", at("2026-11-01T00:10:00+08:00"), ack=MIN, done=H)
        # nor 23:59 on 30 September local, nor an assisting (协办) instruction.
        await f.instruction("A", at("2026-09-30T23:59:00+08:00"), ack=MIN, done=H)
        await f.instruction("A", T, ack=MIN, done=H, role="assist")
        # Township B: one instruction, acknowledged on time, completed late.
        i5 = await f.instruction("B", T, ack=20 * MIN, done=30 * H)
        # Department D: one instruction, both on time.
        await f.instruction("D", T, ack=MIN, done=H)
        # Overall ratings: A 满意/基本满意/不满意, B 不满意 ×2, D 满意; not counted: a
        # follow-up call, a stage rating, a rating in November.
        for value, source in ((1, "sms"), (2, "ivr"), (3, "app")):
            await f.rating("A", value, source)
        await f.rating("A", 1, "followup")
        await f.rating("A", 3, "ivr", stage="accept")
        await f.rating("A", 3, "sms", when=at("2026-11-02T10:00:00+08:00"))
        await f.rating("B", 3)
        await f.rating("B", 3, "wechat")
        await f.rating("D", 1, "ivr")
        # 重办 and 退单 from the case log.
        await f.event("reopen", T, lead_unit_id=u["A"], assist_unit_ids=[])
        await f.event("reopen", at("2026-09-15T10:00:00+08:00"), lead_unit_id=u["A"])
        await f.event("return", T, unit_id=u["B"], role="lead", instruction_id=0)
        await f.event("return", T + H, unit_id=u["gridA"], role="lead", instruction_id=0)
        # Ladder steps: A reached levels 1 and 2 (a reminder is not an escalation);
        # B's level 1 came in November.
        await f.steps(i2, "A", ("escalate", 1, T), ("escalate", 2, T + H), ("remind", 1, T))
        await f.steps(i5, "B", ("escalate", 1, at("2026-11-02T10:00:00+08:00")))
    return u


async def test_monthly_figures_match_the_hand_computed_fixture(db_url: str) -> None:
    db = Database(DatabaseSettings(url=db_url))
    try:
        u = await write_fixture(db)
        report = await ReportService(
            db, ReportSettings(), center="黔西市", timezone="Asia/Shanghai"
        ).build("monthly", "2026-10")
    finally:
        await db.close()
    by_id = {x.unit_id: x for x in report.units}
    a, b, d = by_id[u["A"]], by_id[u["B"]], by_id[u["D"]]
    assert (a.volume, a.ack_on_time, a.done_on_time, a.withdrawn_unacked) == (5, 3, 2, 1)
    assert (a.rated, a.satisfied, a.basically, a.dissatisfied) == (3, 1, 1, 1)
    assert (a.reopened, a.returns, a.strikes) == (1, 1, 2)
    assert a.escalations == {1: 1, 2: 1}
    assert a.ack_rate == pytest.approx(3 / 5) and a.done_rate == pytest.approx(2 / 5)
    assert a.satisfaction == pytest.approx(2 / 3)
    assert (b.volume, b.ack_on_time, b.done_on_time, b.rated, b.satisfied) == (1, 1, 0, 2, 0)
    assert (b.returns, b.strikes, b.escalations) == (1, 1, {})
    assert (d.volume, d.ack_on_time, d.done_on_time, d.rated, d.satisfied) == (1, 1, 1, 1, 1)
    w = (0.3, 0.4, 0.3)
    assert a.score == pytest.approx(0.3 * 3 / 5 + 0.4 * 2 / 5 + 0.3 * 2 / 3)
    assert b.score == pytest.approx(0.3 * 1 + 0.4 * 0 + 0.3 * 0)
    assert d.score == pytest.approx(sum(w)) and d.rank == 1
    # Every department and township-level unit is in the report, with or without work.
    assert sum(x.kind == "township" for x in report.units) == 30
    assert sum(x.kind == "department" for x in report.units) == 24
    # Pooled over townships: (1 + 1 + 0) good of 5 ratings = 0.4; A (0.667) is above
    # it, B (0.0) below it and in the bottom ten; townships without ratings are not.
    assert report.average == pytest.approx(2 / 5)
    assert [x.name for x in report.flagged] == ["钟山镇"]
    assert report.city.stages["accept"] == {3: 1}
