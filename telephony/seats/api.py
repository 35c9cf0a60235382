"""HTTP routes of seat presence: ``/api/v1/seats`` and the call takers' skills.

``PUT /api/v1/seats/{seat}/state`` is a command to the telephony process (it owns the
seats and rings them; it also checks that the seat's phone is registered), like call
control (``telephony.calls.commands``). Reads come straight from Redis.

Errors: 422 ``unknown-seat``; 409 ``seat-held`` (another call taker is signed in
there), ``signed-in-elsewhere``, ``seat-not-registered``, ``illegal-seat-transition``
(示忙 or 签出 while on a call); 503 ``telephony-unavailable``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from core.auth.deps import require
from core.auth.models import Principal
from core.auth.roles import Perm
from core.auth.tables import UserRow
from core.cases.models import Hotline
from core.errors import NotFound
from telephony.seats.models import Seat
from telephony.seats.schemas import (
    SeatPublic,
    SeatStateIn,
    SkillsIn,
    SkillsPublic,
    WallboardPublic,
)
from telephony.seats.tables import CallTakerSkillRow
from telephony.seats.wallboard import wallboard
from telephony.seats.wiring import SEAT_STATE_OP, SeatsApi, SeatsContext

router = APIRouter(prefix="/api/v1", tags=["seats"])

Triage = Annotated[Principal, Depends(require(Perm.cases_triage))]
Reader = Annotated[Principal, Depends(require(Perm.queue_read))]
Admin = Annotated[Principal, Depends(require(Perm.users_manage))]
Stats = Annotated[Principal, Depends(require(Perm.stats_read))]
ALL_HOTLINES = [h.value for h in Hotline]


async def _skills(c: SeatsApi, user_id: int) -> tuple[list[str], list[str], int]:
    async with c.db.session() as s:
        row = await s.get(CallTakerSkillRow, user_id)
    if row is None:  # nobody configured this call taker: every hotline
        return list(ALL_HOTLINES), [], 1
    return [str(h) for h in row.hotlines], [str(ch) for ch in row.channels], row.level


@router.get("/seats", response_model=list[SeatPublic], summary="Seats and their state (坐席)")
async def list_seats(user: Reader, c: SeatsContext) -> list[SeatPublic]:
    return [SeatPublic.of(s) for s in await c.store.all()]


@router.put(
    "/seats/{seat}/state", response_model=SeatPublic, summary="就绪 / 示忙 / 签出 at a seat"
)
async def set_state(seat: str, body: SeatStateIn, user: Triage, c: SeatsContext) -> SeatPublic:
    """Signs the caller in at ``seat`` if needed, then sets the state. 就绪 needs the
    seat's phone registered: from then on calls ring it by themselves."""
    hotlines, _, level = await _skills(c, user.user_id)
    reply = await c.commands.request(
        SEAT_STATE_OP,
        "",
        user.username,
        {
            "seat": seat,
            "state": body.state,
            "reason": body.reason,
            "user_id": user.user_id,
            "hotlines": hotlines,
            "level": level,
        },
    )
    return SeatPublic.of(Seat.from_record(seat, reply["seat"]))


@router.get("/call-takers/{username}/skills", response_model=SkillsPublic)
async def get_skills(username: str, user: Reader, c: SeatsContext) -> SkillsPublic:
    uid = await _user_id(c, username)
    hotlines, channels, level = await _skills(c, uid)
    return SkillsPublic(username=username, hotlines=hotlines, channels=channels, level=level)


@router.put("/call-takers/{username}/skills", response_model=SkillsPublic)
async def put_skills(username: str, body: SkillsIn, user: Admin, c: SeatsContext) -> SkillsPublic:
    """Which hotlines (and channels) a call taker takes, and a level; read at 签入."""
    uid = await _user_id(c, username)
    hotlines = [h.value for h in body.hotlines]
    async with c.db.session() as s:
        row = await s.get(CallTakerSkillRow, uid)
        if row is None:
            s.add(
                CallTakerSkillRow(
                    user_id=uid, hotlines=hotlines, channels=body.channels, level=body.level
                )
            )
        else:
            row.hotlines, row.channels, row.level = hotlines, body.channels, body.level
    return SkillsPublic(
        username=username, hotlines=hotlines, channels=body.channels, level=body.level
    )


async def _user_id(c: SeatsApi, username: str) -> int:
    async with c.db.session() as s:
        uid = await s.scalar(select(UserRow.id).where(UserRow.username == username))
    if uid is None:
        raise NotFound(f"no user {username!r}", error_id="user-not-found")
    return int(uid)


@router.get("/wallboard", response_model=WallboardPublic, summary="Call-handling figures (大屏)")
async def get_wallboard(
    user: Stats, c: SeatsContext, window_s: Annotated[int, Query(ge=60, le=86_400)] = 3600
) -> WallboardPublic:
    """Calls waiting, seats by state, service level, ASA, abandon rate, handle and
    wrap-up time over the last ``window_s`` seconds (definitions: ``wallboard.py``)."""
    return WallboardPublic(**await wallboard(c, window_s))
