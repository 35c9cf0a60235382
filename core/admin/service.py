"""AdminService: every admin console change in one transaction with its history row
(``admin_changes``) and its audit row, so a refused change leaves nothing behind."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.admin.models import UNDOABLE, ChangeKind
from core.admin.schemas import ChangePublic, LimitsSet, RosterSet, UserCreate
from core.admin.tables import AdminChangeRow
from core.auth.passwords import hash_password
from core.auth.service import AuthService
from core.auth.tables import AuditRow, TokenRow, UserRow
from core.clock import Clock
from core.dispatch.catalogue import Catalogue, default_catalogue
from core.dispatch.duty import DutyUnit, Staff, duty_staff, on_duty
from core.dispatch.tables import CatalogueOverrideRow, DutyOverrideRow
from core.errors import Conflict, InvalidInput, NotFound
from core.orgmap.tables import PersonRow, UnitRow
from core.storage.engine import Database
from core.worktime.calendar import Limit, WorkCalendar, default_calendar

# Who keeps duty in the roster view: the same roles core.escalation.dispatch reads.
DUTY_ROLES = ("duty_officer", "unit_staff", "grid_worker", "dispatcher")


class AdminService:
    def __init__(
        self,
        db: Database,
        auth: AuthService,
        clock: Clock,
        catalogue: Catalogue | None = None,
        calendar: WorkCalendar | None = None,
    ) -> None:
        self.db = db
        self.auth = auth
        self.clock = clock
        self.catalogue = catalogue or default_catalogue()
        self.calendar = calendar or default_calendar()

    def _record(
        self, s: AsyncSession, actor: str, kind: ChangeKind, target: str,
        before: dict[str, Any], after: dict[str, Any], undoes: int | None = None,
    ) -> None:  # fmt: skip
        now = self.clock()
        s.add(AdminChangeRow(at=now, actor=actor, kind=kind.value, target=target,
                             before=before, after=after, undoes=undoes))  # fmt: skip
        s.add(AuditRow(at=now, actor=actor, action=f"admin.{kind.value}", target=target[:100],
                       details={"before": before, "after": after}))  # fmt: skip

    # ---- users ---------------------------------------------------------------
    async def users(self) -> list[dict[str, Any]]:
        async with self.db.session() as s:
            rows = await s.scalars(select(UserRow).order_by(UserRow.username))
            return [
                {"id": u.id, "username": u.username, "display_name": u.display_name,
                 "role": u.role, "unit_id": u.unit_id, "active": u.active, "demo": u.demo}
                for u in rows
            ]  # fmt: skip

    async def create_user(self, actor: str, body: UserCreate) -> int:
        uid = await self.auth.create_user(
            body.username, body.password, body.role, body.display_name, unit_id=body.unit_id
        )
        async with self.db.session() as s:
            after = {"role": body.role.value, "unit_id": body.unit_id}
            self._record(s, actor, ChangeKind.user_created, body.username, {}, after)
        return uid

    async def _user(self, s: AsyncSession, user_id: int) -> UserRow:
        user = await s.get(UserRow, user_id)
        if user is None:
            raise NotFound(f"no user {user_id}", error_id="user-not-found")
        return user

    async def _revoke(self, s: AsyncSession, user_id: int) -> None:
        # Sessions and tokens end with the account; the caller then drops this process's
        # cache after the commit (other processes' caches forget within 10 s).
        await s.execute(update(TokenRow).where(TokenRow.user_id == user_id).values(revoked=True))

    async def set_active(self, actor: str, user_id: int, active: bool) -> None:
        async with self.db.session() as s:
            user = await self._user(s, user_id)
            if user.username == actor and not active:
                raise InvalidInput("an admin cannot disable their own account",
                                   error_id="cannot-disable-self")  # fmt: skip
            before = {"active": user.active}
            user.active = active
            if not active:
                await self._revoke(s, user_id)
            self._record(s, actor, ChangeKind.user_active, user.username, before,
                         {"active": active})  # fmt: skip
        self.auth.forget_cached()

    async def reset_password(self, actor: str, user_id: int, password: str) -> None:
        async with self.db.session() as s:
            user = await self._user(s, user_id)
            user.password_hash = hash_password(password)
            await self._revoke(s, user_id)
            self._record(s, actor, ChangeKind.password_reset, user.username, {}, {})
        self.auth.forget_cached()

    async def unlock(self, actor: str, user_id: int) -> None:
        async with self.db.session() as s:
            user = await self._user(s, user_id)
            self._record(s, actor, ChangeKind.unlocked, user.username, {}, {})
        if self.auth.throttle is not None:
            await self.auth.throttle.succeeded(user.username)

    # ---- duty rosters ----------------------------------------------------------
    async def roster(self, unit_id: int, day: date) -> dict[str, Any]:
        async with self.db.session() as s:
            unit = await s.get(UnitRow, unit_id)
            if unit is None:
                raise NotFound(f"no unit {unit_id}", error_id="unit-not-found")
            people = (
                await s.execute(
                    select(PersonRow.id, PersonRow.name, PersonRow.role, PersonRow.title)
                    .where(PersonRow.unit_id == unit_id, PersonRow.role.in_(DUTY_ROLES))
                    .order_by(PersonRow.id)
                )
            ).all()
            override = await s.get(DutyOverrideRow, (unit_id, day.isoformat()))
        du = DutyUnit(unit.id, unit.kind, unit.tier, unit.duty_hours)
        staff = [Staff(p.id, p.role, p.title) for p in people]
        # The rotation's choice at 09:00 of that day (inside every duty window but nights).
        at = datetime.combine(day, time(9), tzinfo=self.calendar.tz)
        rotation = on_duty(du, staff, at, self.calendar)
        takers = {s.person_id for s in duty_staff(du, staff)}
        return {
            "unit_id": unit.id, "unit": unit.name, "day": day.isoformat(),
            "rotation_person_id": rotation.person_id if rotation else None,
            "override_person_id": override.person_id if override else None,
            "people": [{"id": p.id, "name": p.name, "title": p.title,
                        "takes_duty": p.id in takers} for p in people],
        }  # fmt: skip

    async def set_roster(self, actor: str, body: RosterSet) -> None:
        day = body.day.isoformat()
        async with self.db.session() as s:
            person = await s.get(PersonRow, body.person_id)
            if person is None or person.unit_id != body.unit_id:
                raise InvalidInput(
                    "that person does not belong to the unit",
                    error_id="person-not-in-unit",
                    details={"unit_id": body.unit_id, "person_id": body.person_id},
                )
            row = await s.get(DutyOverrideRow, (body.unit_id, day))
            before = {"person_id": row.person_id if row else None}
            await self._put_roster(s, actor, body.unit_id, day, body.person_id, row)
            self._record(s, actor, ChangeKind.roster, f"{body.unit_id}:{day}", before,
                         {"person_id": body.person_id})  # fmt: skip

    async def _put_roster(
        self, s: AsyncSession, actor: str, unit_id: int, day: str, person_id: int | None,
        row: DutyOverrideRow | None,
    ) -> None:  # fmt: skip
        if person_id is None:
            if row is not None:
                await s.delete(row)
            return
        if row is None:
            row = DutyOverrideRow(unit_id=unit_id, day=day)
            s.add(row)
        row.person_id, row.changed_by, row.changed_at = person_id, actor, self.clock()

    # ---- catalogue limits ----------------------------------------------------
    async def rules(self) -> list[dict[str, Any]]:
        async with self.db.session() as s:
            overrides = {o.rule_id: o for o in await s.scalars(select(CatalogueOverrideRow))}
        out = []
        for r in self.catalogue.rules:
            o = overrides.get(r.id)
            out.append({
                "id": r.id, "category": r.category, "subtype": r.subtype, "lead": str(r.lead),
                "ack": o.ack if o else str(r.ack), "done": o.done if o else str(r.done),
                "catalogue_ack": str(r.ack), "catalogue_done": str(r.done),
                "version": o.version if o else 0,
            })  # fmt: skip
        return out

    async def set_limits(self, actor: str, rule_id: str, body: LimitsSet) -> None:
        if not any(r.id == rule_id for r in self.catalogue.rules):
            raise NotFound(f"no catalogue rule {rule_id}", error_id="rule-not-found")
        limits = {}
        for name, text in (("ack", body.ack), ("done", body.done)):
            try:
                limits[name] = str(Limit.parse(text))
            except ValueError as exc:
                raise InvalidInput(str(exc), error_id="bad-limit",
                                   details={"field": name, "value": text}) from exc  # fmt: skip
        async with self.db.session() as s:
            row = await s.get(CatalogueOverrideRow, rule_id)
            before = {"ack": row.ack, "done": row.done} if row else {}
            await self._put_limits(s, actor, rule_id, limits, row)
            self._record(s, actor, ChangeKind.limits, rule_id, before, limits)

    async def _put_limits(
        self, s: AsyncSession, actor: str, rule_id: str, limits: dict[str, str],
        row: CatalogueOverrideRow | None,
    ) -> None:  # fmt: skip
        if not limits:  # back to catalogue.yaml
            if row is not None:
                await s.delete(row)
            return
        if row is None:
            row = CatalogueOverrideRow(rule_id=rule_id, version=0)
            s.add(row)
        row.ack, row.done = limits["ack"], limits["done"]
        row.version, row.changed_by, row.changed_at = row.version + 1, actor, self.clock()

    # ---- history and undo ------------------------------------------------------
    async def changes(self, limit: int = 100) -> list[ChangePublic]:
        async with self.db.session() as s:
            rows = (
                await s.scalars(
                    select(AdminChangeRow).order_by(AdminChangeRow.id.desc()).limit(limit)
                )
            ).all()
            undone = set(
                await s.scalars(
                    select(AdminChangeRow.undoes).where(
                        AdminChangeRow.undoes.in_([r.id for r in rows])
                    )
                )
            )
        return [
            ChangePublic(id=r.id, at=r.at.isoformat(), actor=r.actor, kind=r.kind,
                         target=r.target, before=r.before, after=r.after, undoes=r.undoes,
                         undoable=r.kind in UNDOABLE and r.undoes is None and r.id not in undone)
            for r in rows
        ]  # fmt: skip

    async def undo(self, actor: str, change_id: int) -> None:
        async with self.db.session() as s:
            ch = await s.get(AdminChangeRow, change_id)
            if ch is None:
                raise NotFound(f"no change {change_id}", error_id="change-not-found")
            again = await s.scalar(select(AdminChangeRow.id).where(AdminChangeRow.undoes == ch.id))
            if ch.kind not in UNDOABLE or ch.undoes is not None or again is not None:
                raise Conflict("this change cannot be undone (or was already)",
                               error_id="not-undoable")  # fmt: skip
            kind = ChangeKind(ch.kind)
            if kind is ChangeKind.user_active:
                user = await s.scalar(select(UserRow).where(UserRow.username == ch.target))
                if user is None:
                    raise NotFound(f"no user {ch.target}", error_id="user-not-found")
                user.active = bool(ch.before["active"])
            elif kind is ChangeKind.roster:
                unit_id, day = ch.target.split(":", 1)
                row = await s.get(DutyOverrideRow, (int(unit_id), day))
                await self._put_roster(s, actor, int(unit_id), day, ch.before["person_id"], row)
            else:
                row_l = await s.get(CatalogueOverrideRow, ch.target)
                await self._put_limits(s, actor, ch.target, dict(ch.before), row_l)
            self._record(s, actor, kind, ch.target, ch.after, ch.before, undoes=ch.id)
