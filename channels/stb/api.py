"""HTTP routes for set-top boxes (signed by the box) and their faults (staff)."""

from __future__ import annotations

from typing import Annotated, Protocol

from fastapi import APIRouter, Depends, Header, Request
from pydantic import ValidationError

from channels.stb.errors import AlarmInvalid
from channels.stb.schemas import AlarmIn, AlarmOut, DeviceFault, HeartbeatIn, HeartbeatOut
from channels.stb.service import StbService
from core.auth.deps import require
from core.auth.models import Principal
from core.auth.roles import Perm
from core.deps import state
from core.orgmap.tables import HouseholdRow


class Needs(Protocol):
    """What these routes use of the channels' services (``channels.wiring.Channels``)."""

    def stb_service(self) -> StbService: ...


ChannelServices = Annotated[Needs, Depends(state("channels"))]


router = APIRouter(prefix="/api/v1/channels/stb", tags=["channels: set-top box"])
MAX_BODY = 4096
Staff = Annotated[Principal, Depends(require(Perm.orgmap_read))]


async def _signed(
    request: Request,
    ch: ChannelServices,
    x_device_id: Annotated[str | None, Header()] = None,
    x_timestamp: Annotated[str | None, Header()] = None,
    x_nonce: Annotated[str | None, Header()] = None,
    x_signature: Annotated[str | None, Header()] = None,
) -> tuple[StbService, HouseholdRow, bytes]:
    body = await request.body()
    if len(body) > MAX_BODY:
        raise AlarmInvalid("请求过大", details={"limit": MAX_BODY})
    stb = ch.stb_service()
    home = await stb.authenticate(x_device_id, x_timestamp, x_nonce, x_signature, body)
    return stb, home, body


Signed = Annotated[tuple[StbService, HouseholdRow, bytes], Depends(_signed)]


@router.post("/alarm", response_model=AlarmOut, summary="One-click alarm (一键报警) from a box")
async def alarm(signed: Signed) -> AlarmOut:
    stb, home, body = signed
    try:
        data = AlarmIn.model_validate_json(body)
    except ValidationError:
        raise AlarmInvalid("报警请求格式错误") from None
    return await stb.alarm(home, data)


@router.post("/heartbeat", response_model=HeartbeatOut, summary="Box heartbeat")
async def heartbeat(signed: Signed) -> HeartbeatOut:
    stb, home, body = signed
    try:
        data = HeartbeatIn.model_validate_json(body or b"{}")
    except ValidationError:
        raise AlarmInvalid("心跳请求格式错误") from None
    return await stb.heartbeat(home, data)


@router.get("/faults", response_model=list[DeviceFault], summary="Boxes that fell silent")
async def faults(user: Staff, ch: ChannelServices) -> list[DeviceFault]:
    return await ch.stb_service().faults()
