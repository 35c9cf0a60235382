"""HTTP routes for call control: ``/api/v1/calls``.

Reads come straight from the call store in Redis. Changes are commands to the
telephony process, which owns call control (``telephony.calls.commands``): this process
never talks to ARI, so an API request can never race the call's own events.

Errors: 404 ``no-such-call``, 409 ``illegal-call-transition``, 422 for bodies (and
``unknown-seat`` / ``unknown-transfer-target``), 503 ``telephony-unavailable`` when the
telephony process does not answer within ``command_timeout_s``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from redis.exceptions import RedisError

from core.auth.deps import require
from core.auth.models import Principal
from core.auth.roles import Perm, allows
from core.cases.masking import mask_phone
from telephony.calls.errors import NoSuchCall, TelephonyUnavailable
from telephony.calls.schemas import CallbackIn, CallPublic, ConferenceIn, TakeIn, TransferIn
from telephony.calls.state import Call
from telephony.calls.wiring import CallsApi, CallsContext

router = APIRouter(prefix="/api/v1/calls", tags=["calls"])

Triage = Annotated[Principal, Depends(require(Perm.cases_triage))]


def _public(c: CallsApi, user: Principal, call: Call) -> CallPublic:
    caller = call.caller if allows(user.role, Perm.phones_full) else mask_phone(call.caller)
    return CallPublic.of(call, now=c.clock().timestamp(), caller=caller)


async def _live(c: CallsApi, channel_id: str) -> Call:
    try:
        call = await c.store.get(channel_id)
    except (RedisError, OSError) as exc:
        raise TelephonyUnavailable("call state (Redis) is unreachable") from exc
    if call is None or not call.live:
        raise NoSuchCall(f"no live call {channel_id}", details={"channel_id": channel_id})
    return call


async def _command(
    c: CallsApi,
    user: Principal,
    op: str,
    channel_id: str,
    args: dict[str, Any] | None = None,
) -> CallPublic:
    if channel_id:
        await _live(c, channel_id)  # 404 at once, without a round trip
    call = await c.commands.send(op, channel_id, user.username, args)
    return _public(c, user, call)


@router.get("", response_model=list[CallPublic], summary="Live calls (电话), oldest first")
async def list_calls(user: Triage, c: CallsContext) -> list[CallPublic]:
    try:
        calls = await c.store.live()
    except (RedisError, OSError) as exc:
        raise TelephonyUnavailable("call state (Redis) is unreachable") from exc
    calls.sort(key=lambda call: call.arrived_at)
    return [_public(c, user, call) for call in calls]


@router.post("/callback", response_model=CallPublic, summary="Call a citizen back (回拨)")
async def call_back(body: CallbackIn, user: Triage, c: CallsContext) -> CallPublic:
    """Rings the seat phone; when the call taker answers, dials the contact's number
    through the outbound carrier trunk."""
    return await _command(c, user, "callback", "", body.model_dump())


@router.get("/{channel_id}", response_model=CallPublic, summary="One live call")
async def get_call(channel_id: str, user: Triage, c: CallsContext) -> CallPublic:
    return _public(c, user, await _live(c, channel_id))


@router.post("/{channel_id}/take", response_model=CallPublic, summary="Take a queued call")
async def take(channel_id: str, body: TakeIn, user: Triage, c: CallsContext) -> CallPublic:
    """Rings the seat's phone; when it answers the caller and the seat are bridged."""
    return await _command(c, user, "take", channel_id, body.model_dump())


@router.post("/{channel_id}/hold", response_model=CallPublic, summary="Hold (保持)")
async def hold(channel_id: str, user: Triage, c: CallsContext) -> CallPublic:
    return await _command(c, user, "hold", channel_id)


@router.post("/{channel_id}/resume", response_model=CallPublic, summary="Resume")
async def resume(channel_id: str, user: Triage, c: CallsContext) -> CallPublic:
    return await _command(c, user, "resume", channel_id)


@router.post("/{channel_id}/hangup", response_model=CallPublic, summary="Hang up (挂断)")
async def hangup(channel_id: str, user: Triage, c: CallsContext) -> CallPublic:
    return await _command(c, user, "hangup", channel_id)


@router.post("/{channel_id}/transfer", response_model=CallPublic, summary="Transfer (转接)")
async def transfer(channel_id: str, body: TransferIn, user: Triage, c: CallsContext) -> CallPublic:
    """blind: the caller goes to the unit at once; attended: the call taker talks to
    the unit first (caller on hold), then completes or cancels."""
    return await _command(c, user, "transfer", channel_id, body.model_dump())


@router.post("/{channel_id}/transfer/complete", response_model=CallPublic)
async def transfer_complete(channel_id: str, user: Triage, c: CallsContext) -> CallPublic:
    return await _command(c, user, "transfer_complete", channel_id)


@router.post("/{channel_id}/transfer/cancel", response_model=CallPublic)
async def transfer_cancel(channel_id: str, user: Triage, c: CallsContext) -> CallPublic:
    return await _command(c, user, "transfer_cancel", channel_id)


@router.post("/{channel_id}/conference", response_model=CallPublic, summary="三方通话")
async def conference(
    channel_id: str, body: ConferenceIn, user: Triage, c: CallsContext
) -> CallPublic:
    """Citizen, call taker and a unit in one call (国办发〔2022〕12号: 12345 ↔ 110)."""
    return await _command(c, user, "conference", channel_id, body.model_dump())
