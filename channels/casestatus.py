"""Case progress for citizens, in plain Chinese, and their evaluations (R10).

A citizen sees a case only if one of its contacts came from them (their OpenID,
their phone, or a phone verified as theirs): knowing a case number is not enough.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from channels.errors import CaseNotVisible
from channels.tables import CitizenIdentityRow
from core.auth.models import Principal, Role
from core.cases.lifecycle import Action
from core.cases.models import STATE_LABELS, CaseState
from core.cases.schemas import CaseActionIn
from core.cases.service import CaseService
from core.cases.tables import CaseRow, ContactRow, InstructionRow
from core.errors import IllegalTransition
from core.orgmap.tables import UnitRow
from core.storage.engine import Database

RATINGS = {1: "满意", 2: "基本满意", 3: "不满意"}
# A bare digit rates the newest completed case (feedback.models.parse_reply reads it).
EVALUATE_HINT = "请直接回复数字评价：1 满意，2 基本满意，3 不满意"
_NEXT: dict[CaseState, str] = {
    CaseState.received: "正在分派处理单位",
    CaseState.dispatched: "已派至{units}，等待签收",
    CaseState.acknowledged: "{units}已签收，即将处置",
    CaseState.in_progress: "{units}正在处置",
    CaseState.returned: "正在重新分派",
    CaseState.completed: "已办结",
    CaseState.evaluated: "已办结并收到您的评价，谢谢",
    CaseState.closed: "已结案",
}


# Answers to a bare rating reply ("1", "满意") that carries no case number.
ASK_AGAIN = "未能识别您的评价。请回复数字：1 满意，2 基本满意，3 不满意（工单 {number}）。"
NOTHING_TO_RATE = "您好，您目前没有待评价的工单，无需回复。如需反映问题，请直接发送情况说明。"
EVALUATION_WINDOW = timedelta(days=15)


class CitizenCases:
    def __init__(self, db: Database, cases: CaseService, timezone: str) -> None:
        self.db = db
        self.cases = cases
        self.tz = ZoneInfo(timezone)

    async def senders_for(self, channel: str, external_id: str) -> set[str]:
        """The citizen's sender ids: this one plus verified phones bound to it."""
        senders = {external_id}
        async with self.db.session() as s:
            phones = await s.scalars(
                select(CitizenIdentityRow.phone).where(
                    CitizenIdentityRow.channel == channel,
                    CitizenIdentityRow.external_id == external_id,
                    CitizenIdentityRow.verified.is_(True),
                )
            )
            senders.update(p for p in phones if p)
        return senders

    async def _visible(self, number: str, senders: Collection[str]) -> CaseRow:
        async with self.db.session() as s:
            case = await s.scalar(select(CaseRow).where(CaseRow.number == number))
            own = None
            if case is not None:
                own = await s.scalar(
                    select(ContactRow.id)
                    .where(ContactRow.case_id == case.id, ContactRow.sender.in_(list(senders)))
                    .limit(1)
                )
        if case is None or own is None:
            raise CaseNotVisible(f"未找到您的工单 {number}", details={"number": number})
        return case

    async def status_text(self, number: str, senders: Collection[str]) -> str:
        try:
            case = await self._visible(number, senders)
        except CaseNotVisible:
            return f"未找到您提交的工单 {number}，请核对编号。"
        return await self._describe(case)

    async def _describe(self, case: CaseRow) -> str:
        state = CaseState(case.state)
        if state is CaseState.merged:
            async with self.db.session() as s:
                target = await s.get(CaseRow, case.merged_into_id) if case.merged_into_id else None
            if target is not None:
                return f"工单 {case.number} 已与同一事件的工单 {target.number} 合并处理。" + (
                    await self._describe(target)
                )
            return f"工单 {case.number} 已合并处理。"
        async with self.db.session() as s:
            names = list(
                await s.scalars(
                    select(UnitRow.name)
                    .join(InstructionRow, InstructionRow.unit_id == UnitRow.id)
                    .where(
                        InstructionRow.case_id == case.id,
                        InstructionRow.state.not_in(["withdrawn", "returned"]),
                    )
                )
            )
        units = "、".join(names) or "处理单位"
        at = case.created_at.astimezone(self.tz).strftime("%m月%d日%H:%M")
        text = (
            f"工单 {case.number}（{at}受理）当前状态：{STATE_LABELS[state]}，"
            f"{_NEXT.get(state, '').format(units=units)}。"
        )
        if state is CaseState.completed:
            text += EVALUATE_HINT.format(number=case.number)
        return text

    async def recent(self, senders: Collection[str], limit: int = 3) -> list[str]:
        async with self.db.session() as s:
            rows = await s.scalars(
                select(CaseRow.number)
                .join(ContactRow, ContactRow.case_id == CaseRow.id)
                .where(ContactRow.sender.in_(list(senders)))
                .order_by(CaseRow.id.desc())
                .distinct()
                .limit(limit)
            )
            return list(rows)

    async def recent_text(self, senders: Collection[str]) -> str:
        numbers = await self.recent(senders)
        if not numbers:
            return "您还没有提交过工单。直接发送文字、语音、图片或位置即可报警求助。"
        parts = [await self.status_text(n, senders) for n in numbers]
        return "\n".join(parts)

    async def state_of(self, number: str, senders: Collection[str]) -> tuple[str, str, str]:
        """(state, label, plain-Chinese text) of a case the citizen filed."""
        case = await self._visible(number, senders)
        state = CaseState(case.state)
        return state.value, STATE_LABELS[state], await self._describe(case)

    async def evaluate(
        self, number: str, senders: Collection[str], rating: int, *, actor: str
    ) -> str:
        return (await self.try_evaluate(number, senders, rating, actor=actor))[1]

    async def try_evaluate(
        self, number: str, senders: Collection[str], rating: int, *, actor: str
    ) -> tuple[bool, str]:
        if rating not in RATINGS:
            return False, "评价请回复 1（满意）、2（基本满意）或 3（不满意）。"
        try:
            await self._visible(number, senders)
            principal = Principal(0, actor[:64], Role.channel, "群众评价")
            await self.cases.act(number, Action.evaluate, CaseActionIn(rating=rating), principal)
        except CaseNotVisible:
            return False, f"未找到您提交的工单 {number}，请核对编号。"
        except IllegalTransition:
            return False, f"工单 {number} 目前不能评价（尚未办结或已评价）。"
        return True, f"感谢您的评价（{RATINGS[rating]}），工单 {number} 已记录。"

    async def awaiting_evaluation(
        self, senders: Collection[str], *, window: timedelta = EVALUATION_WINDOW
    ) -> str | None:
        """The citizen's newest case completed within ``window`` and not yet rated: the
        open evaluation request a bare "1" / "满意" answers (the completion notice
        asked for it). None when there is nothing to rate."""
        since = datetime.now(UTC) - window
        async with self.db.session() as s:
            number: str | None = await s.scalar(
                select(CaseRow.number)
                .join(ContactRow, ContactRow.case_id == CaseRow.id)
                .where(
                    ContactRow.sender.in_(list(senders)),
                    CaseRow.state == CaseState.completed.value,
                    CaseRow.updated_at >= since,
                )
                .order_by(CaseRow.updated_at.desc(), CaseRow.id.desc())
                .limit(1)
            )
        return number

    async def bound_phone(self, channel: str, external_id: str) -> str | None:
        """The verified phone this identity is bound to, if any."""
        async with self.db.session() as s:
            phone: str | None = await s.scalar(
                select(CitizenIdentityRow.phone).where(
                    CitizenIdentityRow.channel == channel,
                    CitizenIdentityRow.external_id == external_id,
                    CitizenIdentityRow.verified.is_(True),
                )
            )
        return phone

    async def bind(self, channel: str, external_id: str, phone: str, *, verified: bool) -> None:
        """Bind a channel identity to a phone (one citizen across channels)."""
        async with self.db.session() as s:
            row = await s.scalar(
                select(CitizenIdentityRow).where(
                    CitizenIdentityRow.channel == channel,
                    CitizenIdentityRow.external_id == external_id,
                )
            )
            if row is None:
                row = CitizenIdentityRow(channel=channel, external_id=external_id)
                s.add(row)
            row.phone, row.verified = phone, verified
            row.updated_at = datetime.now(UTC)
