"""HTTP routes of the supervisor seat (班长席, ``calls:supervise``): listen, whisper,
barge, force-release and pick up a call. Commands to the telephony process like the
rest of call control; each is also written to the audit log (the case log gets the
call event from the telephony process).

Errors: as ``telephony.calls.api`` (404 ``no-such-call``, 409
``illegal-call-transition`` - e.g. listening to a call nobody answered -, 422
``unknown-seat``, 503 ``telephony-unavailable``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request

from core.auth.deps import client_address, require
from core.auth.models import Principal
from core.auth.roles import Perm
from core.deps import state
from core.wiring import CoreServices
from telephony.calls.api import _command
from telephony.calls.schemas import CallPublic, TakeIn
from telephony.calls.wiring import CallsContext

router = APIRouter(prefix="/api/v1/calls", tags=["calls"])

Supervisor = Annotated[Principal, Depends(require(Perm.calls_supervise))]
Core = Annotated[CoreServices, Depends(state("core"))]


class SuperviseIn(TakeIn):
    mode: Literal["listen", "whisper", "barge"] = "listen"  # 监听 / 耳语 / 强插


async def _audited(
    core: Core, request: Request, user: Principal, call: CallPublic, action: str, **details: Any
) -> CallPublic:
    await core.auth.audit(
        user.username,
        action,
        target=call.case_number or call.channel_id,
        address=client_address(request),
        details={"channel_id": call.channel_id, **details},
    )
    return call


@router.post("/{channel_id}/supervise", response_model=CallPublic, summary="监听 / 耳语 / 强插")
async def supervise(
    channel_id: str, body: SuperviseIn, user: Supervisor, c: CallsContext, core: Core,
    request: Request,
) -> CallPublic:  # fmt: skip
    """Rings the supervisor's seat phone; when it answers it hears the call (listen),
    speaks to the call taker only (whisper) or joins the call (barge). Called again
    while supervising, it changes the mode."""
    call = await _command(c, user, "supervise", channel_id, body.model_dump())
    return await _audited(core, request, user, call, f"call.{body.mode}", seat=body.seat)


@router.post("/{channel_id}/force-release", response_model=CallPublic, summary="强拆")
async def force_release(
    channel_id: str, user: Supervisor, c: CallsContext, core: Core, request: Request
) -> CallPublic:
    call = await _command(c, user, "force_release", channel_id)
    return await _audited(core, request, user, call, "call.force_release")


@router.post("/{channel_id}/pickup", response_model=CallPublic, summary="代接")
async def pickup(
    channel_id: str, body: TakeIn, user: Supervisor, c: CallsContext, core: Core,
    request: Request,
) -> CallPublic:  # fmt: skip
    """Takes a waiting call - or one ringing another seat - to the supervisor's seat."""
    call = await _command(c, user, "pickup", channel_id, body.model_dump())
    return await _audited(core, request, user, call, "call.pickup", seat=body.seat)
