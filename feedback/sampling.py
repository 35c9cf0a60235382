"""The staff follow-up sample (回访抽查, R10): a share of each month's closed cases,
picked deterministically (feedback.models.sample_key) and idempotently."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.cases.tables import CaseEventRow, CaseRow
from core.clock import Clock
from core.ratings.tables import FollowupSampleRow
from core.storage.engine import Database
from core.worktime.periods import month_period
from feedback.models import sample_key, sample_size
from feedback.settings import FeedbackSettings


async def closed_in(s: AsyncSession, start: datetime, end: datetime) -> list[tuple[int, str]]:
    rows = await s.execute(
        select(CaseRow.id, CaseRow.number)
        .join(CaseEventRow, CaseEventRow.case_id == CaseRow.id)
        .where(CaseEventRow.action == "close", CaseEventRow.at >= start, CaseEventRow.at < end)
        .distinct()
    )
    return [(int(i), str(n)) for i, n in rows.all()]


class SampleService:
    def __init__(
        self,
        db: Database,
        settings: FeedbackSettings,
        timezone: str,
        clock: Clock,
    ) -> None:
        self.db = db
        self.settings = settings
        self.timezone = timezone
        self.clock = clock

    async def pick(self, month: str, *, share: float | None = None) -> list[FollowupSampleRow]:
        """Pick (or complete) the month's sample; picking twice adds nothing new unless
        more cases were closed since."""
        period = month_period(month, self.timezone)
        share = self.settings.sample_share if share is None else share
        async with self.db.session() as s:
            population = await closed_in(s, period.start, period.end)
            keyed = sorted(
                (sample_key(self.settings.sample_seed, month, number), case_id)
                for case_id, number in population
            )
            chosen = keyed[: sample_size(len(keyed), share)]
            have = set(
                await s.scalars(
                    select(FollowupSampleRow.case_id).where(FollowupSampleRow.period == month)
                )
            )
            now = self.clock()
            for key, case_id in chosen:
                if case_id not in have:
                    s.add(
                        FollowupSampleRow(
                            period=month, case_id=case_id, sample_key=key, state="pending",
                            picked_at=now,
                        )
                    )  # fmt: skip
        return await self.list(month)

    async def list(self, month: str) -> list[FollowupSampleRow]:
        async with self.db.session() as s:
            return list(
                await s.scalars(
                    select(FollowupSampleRow)
                    .where(FollowupSampleRow.period == month)
                    .order_by(FollowupSampleRow.sample_key)
                )
            )
