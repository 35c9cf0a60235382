"""HTTP routes of the admin console (role admin: ``users:manage``). Every change is
audited and kept in ``admin_changes``; ``POST /admin/changes/{id}/undo`` reverts one."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from core.admin.schemas import ChangePublic, LimitsSet, PasswordReset, RosterSet, UserCreate
from core.admin.service import AdminService
from core.auth.deps import require
from core.auth.models import Principal
from core.auth.roles import Perm
from core.deps import state

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])
Admin = Annotated[Principal, Depends(require(Perm.users_manage))]
Service = Annotated[AdminService, Depends(state("admin"))]


@router.get("/users", summary="Staff accounts")
async def list_users(user: Admin, a: Service) -> list[dict[str, Any]]:
    return await a.users()


@router.post("/users", status_code=201, summary="Create a staff account")
async def create_user(body: UserCreate, user: Admin, a: Service) -> dict[str, int]:
    return {"id": await a.create_user(user.username, body)}


@router.post("/users/{user_id}/disable", summary="Disable an account (its sessions end)")
async def disable(user_id: int, user: Admin, a: Service) -> dict[str, bool]:
    await a.set_active(user.username, user_id, False)
    return {"active": False}


@router.post("/users/{user_id}/enable", summary="Enable an account again")
async def enable(user_id: int, user: Admin, a: Service) -> dict[str, bool]:
    await a.set_active(user.username, user_id, True)
    return {"active": True}


@router.post("/users/{user_id}/password", summary="Reset a password (its sessions end)")
async def reset_password(
    user_id: int, body: PasswordReset, user: Admin, a: Service
) -> dict[str, bool]:
    await a.reset_password(user.username, user_id, body.password)
    return {"reset": True}


@router.post("/users/{user_id}/unlock", summary="Clear the login throttle of an account")
async def unlock(user_id: int, user: Admin, a: Service) -> dict[str, bool]:
    await a.unlock(user.username, user_id)
    return {"unlocked": True}


@router.get("/roster", summary="A unit's duty people and who keeps duty on a day")
async def roster(
    user: Admin, a: Service, unit_id: Annotated[int, Query()], day: Annotated[date, Query()]
) -> dict[str, Any]:
    return await a.roster(unit_id, day)


@router.put("/roster", summary="Put a person on duty at a unit for one duty day")
async def set_roster(body: RosterSet, user: Admin, a: Service) -> dict[str, Any]:
    await a.set_roster(user.username, body)
    return await a.roster(body.unit_id, body.day)


@router.get("/catalogue", summary="The dispatch catalogue's rules with their limits")
async def catalogue(user: Admin, a: Service) -> list[dict[str, Any]]:
    return await a.rules()


@router.put("/catalogue/{rule_id}", summary="Set a rule's acknowledge / completion limits")
async def set_limits(rule_id: str, body: LimitsSet, user: Admin, a: Service) -> dict[str, Any]:
    await a.set_limits(user.username, rule_id, body)
    return next(r for r in await a.rules() if r["id"] == rule_id)


@router.get("/changes", response_model=list[ChangePublic], summary="The change history")
async def changes(
    user: Admin, a: Service, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[ChangePublic]:
    return await a.changes(limit)


@router.post("/changes/{change_id}/undo", summary="Undo one change (recorded as a change)")
async def undo(change_id: int, user: Admin, a: Service) -> dict[str, bool]:
    await a.undo(user.username, change_id)
    return {"undone": True}
