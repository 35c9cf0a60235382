"""GridService: a grid worker's patrol reports, instructions, mediations and
escalations (R3), acting as their own unit_staff account."""

from __future__ import annotations

from sqlalchemy import select

from channels.citizen.schemas import GpsIn
from channels.grid.schemas import (
    EscalationIn,
    InstructionActIn,
    InstructionActOut,
    MediationIn,
    MediationOut,
    PatrolReportIn,
    ReportOut,
)
from channels.models import Accepted
from channels.ports import Intake
from channels.service import submit
from channels.tables import MediationRow
from core.auth.models import Principal, Role
from core.cases.lifecycle import Action
from core.cases.schemas import CaseActionIn, ContactCreate, LocationIn, MediaRef
from core.cases.service import CaseService
from core.cases.tables import CaseRow
from core.clock import Clock
from core.errors import InvalidInput, PermissionDenied
from core.orgmap.tables import UnitRow
from core.storage.engine import Database

CHANNEL = "grid"
ESCALATE_PREFIX = "【网格提请乡镇综治中心】"


def _loc(gps: GpsIn | None, unit: UnitRow) -> LocationIn | None:
    if gps is not None:
        return LocationIn(
            lat=gps.lat, lon=gps.lon, source="gps", accuracy_m=gps.accuracy_m, address=gps.address
        )
    if unit.lat is not None and unit.lon is not None:
        return LocationIn(lat=unit.lat, lon=unit.lon, source="registry", address=unit.name)
    return None


def _with_photos(note: str | None, photos: list[MediaRef]) -> str | None:
    if not photos:
        return note
    return ((note or "") + "\n现场照片：" + " ".join(p.url for p in photos)).strip()


class GridService:
    def __init__(self, db: Database, intake: Intake, cases: CaseService, clock: Clock) -> None:
        self.db = db
        self.intake = intake
        self.cases = cases
        self.clock = clock

    async def grid_of(self, user: Principal) -> UnitRow:
        if user.role is not Role.unit_staff or user.unit_id is None:
            raise PermissionDenied("仅限网格员账号", error_id="grid-worker-only")
        async with self.db.session() as s:
            unit = await s.get(UnitRow, user.unit_id)
        if unit is None or unit.kind != "grid":
            raise PermissionDenied("账号所属单位不是网格", error_id="grid-worker-only")
        return unit

    async def _submit(
        self,
        user: Principal,
        key: str,
        text: str,
        loc: LocationIn | None,
        media: list[MediaRef] | None = None,
    ) -> Accepted:
        body = ContactCreate(
            channel=CHANNEL,
            sender=user.username,
            sender_name=user.display_name[:64],
            text=text,
            location=loc,
            media=media or [],
            idempotency_key=f"grid:{user.username}:{key}"[:128],
        )
        return await submit(self.intake, body, actor=user.username)

    async def report(self, user: Principal, body: PatrolReportIn) -> ReportOut:
        grid = await self.grid_of(user)
        a = await self._submit(
            user, body.report_id, body.text, _loc(body.location, grid), body.photos
        )
        return ReportOut(case_number=a.case_number, duplicate=a.duplicate)

    async def act(
        self, user: Principal, number: str, action: Action, body: InstructionActIn
    ) -> InstructionActOut:
        grid = await self.grid_of(user)
        if action is Action.complete and not (body.note and body.note.strip()):
            raise InvalidInput("办结需填写处置情况", error_id="note-required")
        note = _with_photos(body.note, body.photos)
        act_in = CaseActionIn(unit_id=grid.id, note=note)
        case = await self.cases.act(number, action, act_in, user)
        return InstructionActOut(
            case_number=case.number, case_state=case.state, version=case.version
        )

    async def mediation(self, user: Principal, body: MediationIn) -> MediationOut:
        grid = await self.grid_of(user)
        key = f"{user.username}:{body.record_id}"[:128]
        async with self.db.session() as s:
            row = await s.scalar(select(MediationRow).where(MediationRow.record_key == key))
        if row is not None:
            return _mediation_out(row)
        number = None
        if body.outcome == "escalated":
            parties = "、".join(body.parties)
            text = f"{ESCALATE_PREFIX}矛盾纠纷调解未果：{body.dispute}（当事人：{parties}）"
            a = await self._submit(user, f"m:{body.record_id}", text, _loc(body.location, grid))
            number = a.case_number
        async with self.db.session() as s:
            row = MediationRow(
                grid_id=grid.id,
                recorded_by=user.username,
                record_key=key,
                parties=body.parties,
                dispute=body.dispute,
                outcome=body.outcome,
                agreement=body.agreement,
                case_number=number,
                created_at=self.clock(),
            )
            s.add(row)
            await s.flush()
        return _mediation_out(row)

    async def escalate(self, user: Principal, body: EscalationIn) -> ReportOut:
        grid = await self.grid_of(user)
        if body.case_number:
            # An instruction the grid cannot finish goes back (退单) with the reason,
            # so the center re-dispatches it to the township.
            async with self.db.session() as s:
                exists = await s.scalar(
                    select(CaseRow.id).where(CaseRow.number == body.case_number)
                )
            if exists is None:
                raise InvalidInput("工单不存在", error_id="case-not-found")
            reason = f"{ESCALATE_PREFIX}{body.text}"
            await self.cases.act(
                body.case_number, Action.return_, CaseActionIn(unit_id=grid.id, reason=reason), user
            )
            return ReportOut(case_number=body.case_number, duplicate=False)
        a = await self._submit(
            user, f"e:{body.report_id}", ESCALATE_PREFIX + body.text, _loc(body.location, grid)
        )
        return ReportOut(case_number=a.case_number, duplicate=a.duplicate)


def _mediation_out(row: MediationRow) -> MediationOut:
    return MediationOut(
        id=row.id,
        grid_id=row.grid_id,
        outcome=row.outcome,
        case_number=row.case_number,
        created_at=row.created_at,
    )
