"""The escalation ladder's notices through delivery: the ``Notifier`` the scheduler
calls after each committed pass.

It only stages rows (one short transaction) and returns, so the ladder's clock never
waits for a phone to ring. Each notice keeps the ladder's key
(``<instruction>:<step>:<recipient>``): the scheduler's re-delivery after a crash
stages nothing twice. The notices are also recorded as before
(``escalation_notifications``, what the big screen and the reports read).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from core.cases.tables import CaseRow
from core.delivery.models import Purpose, Request, Route
from core.delivery.service import DeliveryService
from core.escalation.notifier import RecordingNotifier
from core.escalation.ports import Notice


def purpose_of(step: str) -> Purpose:
    if step.startswith("remind"):
        return Purpose.reminder
    if step.startswith("escalate"):
        return Purpose.ladder_step
    return Purpose.notice


class DeliveryNotifier:
    def __init__(self, service: DeliveryService, record: RecordingNotifier | None = None) -> None:
        self.service = service
        self.record = record

    def routes(self, phone: str | None) -> tuple[Route, ...]:
        """The staff channels in the configured order; no phone, no route (flagged)."""
        if not phone:
            return ()
        return tuple(Route(c, phone) for c in self.service.settings.staff_channels)

    async def notify(self, notices: Sequence[Notice]) -> None:
        if not notices:
            return
        if self.record is not None:
            await self.record.notify(notices)
        numbers = sorted({n.case_number for n in notices})
        async with self.service.db.session() as s:
            ids = dict(
                (
                    await s.execute(
                        select(CaseRow.number, CaseRow.id).where(CaseRow.number.in_(numbers))
                    )
                ).all()
            )
        requests = []
        for n in notices:
            purpose = purpose_of(n.step)
            requests.append(
                Request(
                    key=f"esc:{n.key}",
                    purpose=purpose,
                    text=n.message,
                    recipient=n.recipient,
                    recipient_name=n.name,
                    routes=self.routes(n.phone),
                    case_id=ids.get(n.case_number),
                    case_number=n.case_number,
                    instruction_id=n.instruction_id,
                    # A reminder or a ladder step must reach a person, who says so.
                    requires_ack=purpose is not Purpose.notice,
                    # The dispatch notice itself: its deadline already runs.
                    urgent=purpose is Purpose.notice,
                )
            )
        await self.service.enqueue(requests)
