"""Recording ratings: one row per stage, attributed to the lead unit that completed the
case when it was rated (later reassignments do not move old ratings)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.cases.models import InstructionRole
from core.cases.tables import InstructionRow
from core.clock import Clock
from core.errors import InvalidInput
from core.ratings.models import Source, Stage
from core.ratings.tables import RatingRow
from core.storage.engine import Database


async def lead_unit(s: AsyncSession, case_id: int) -> int | None:
    unit: int | None = await s.scalar(
        select(InstructionRow.unit_id)
        .where(InstructionRow.case_id == case_id, InstructionRow.role == InstructionRole.lead.value)
        .order_by(InstructionRow.id.desc())
        .limit(1)
    )
    return unit


class RatingService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def record_stages(
        self,
        case_id: int,
        ratings: Mapping[Stage, int],
        *,
        source: Source,
        actor: str,
        survey_call_id: int | None = None,
        sample_id: int | None = None,
    ) -> int:
        now = self.clock()
        async with self.db.session() as s:
            unit = await lead_unit(s, case_id)
            for stage, value in ratings.items():
                if value not in (1, 2, 3):
                    raise InvalidInput(
                        "rating must be 1 满意 / 2 基本满意 / 3 不满意", error_id="rating-invalid"
                    )
                s.add(
                    RatingRow(
                        case_id=case_id,
                        unit_id=unit,
                        stage=stage.value,
                        rating=value,
                        source=source.value,
                        actor=actor[:64],
                        rated_at=now,
                        survey_call_id=survey_call_id,
                        sample_id=sample_id,
                    )
                )
        return len(ratings)
