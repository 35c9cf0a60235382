"""What case handling needs from outside the cases context, as Protocols."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from core.cases.tables import CaseRow


class Dispatcher(Protocol):
    """Sends a case to units (派单, 改派, 重办): ``core.escalation.dispatch`` applies the
    catalogue, duty rosters and working-day deadlines and starts each instruction's
    escalation timer."""

    async def send(
        self,
        s: AsyncSession,
        case: CaseRow,
        unit_ids: Sequence[int | None],
        *,
        now: datetime,
        reopen: bool = False,
    ) -> list[int]:
        """Create the instructions for ``[lead, *assist]`` (a lead of None lets the
        catalogue decide) inside the caller's transaction; the unit ids, lead first."""
        ...


class QueueIndex(Protocol):
    """The call takers' work queue, as case handling sees it: a case leaves it when it
    is taken or moves on (``core.queue.workqueue.WorkQueue``)."""

    async def remove(self, case_number: str) -> bool: ...
