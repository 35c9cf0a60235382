"""Where a call goes when we place it: seats, units, department phones, citizens.

Pure endpoint resolution plus :func:`call_out`, the one originate helper every Stasis
app uses for outbound calls (our call-backs here; the IVR's survey call-backs with
their own app and ``AriClient``)::

    channel = await call_out(ari, settings.telephony, "13800000000",
                             app="liandong-survey", app_args="survey,42")

A dialled number must be digits only: it becomes part of a dial string
(``PJSIP/<number>@<trunk>``), where "&" or "/" would add channels.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Protocol

from telephony.ari.events import Channel
from telephony.asterisk.config import seat_names
from telephony.calls.errors import UnknownSeat, UnknownTarget
from telephony.settings import TelephonySettings

_DIGITS = re.compile(r"^[0-9]{3,20}$")


@dataclass(frozen=True, slots=True)
class Target:
    endpoint: str  # ARI dial string
    label: str  # shown to call takers and in the case log


class Originator(Protocol):
    async def originate(
        self,
        endpoint: str,
        *,
        app: str,
        app_args: str = "",
        caller_id: str = "",
        timeout_s: int = 30,
        channel_id: str | None = None,
        variables: dict[str, str] | None = None,
    ) -> Channel: ...


def leg_id(owner: str, role: str) -> str:
    """A channel id we choose before originating, so events of the new channel can be
    routed to the call that placed it before ARI even answers the request.

    The owner's id comes last: Asterisk 22 refuses an originate whose channel id is a
    prefix of an existing channel's unique id ("Channel with given unique ID already
    exists"), so "<call>-seat…" would block dialling the call-back's citizen as <call>."""
    return f"{role[0]}{secrets.token_hex(4)}-{owner}"


def seat(settings: TelephonySettings, name: str) -> Target:
    if name not in seat_names(settings.seats):
        raise UnknownSeat(f"no seat phone {name!r}", details={"seat": name})
    return Target(f"PJSIP/{name}", f"坐席{name.removeprefix('seat')}")


def number(settings: TelephonySettings, digits: str) -> Target:
    """A phone number (citizen, department) through the outbound carrier trunk."""
    if not _DIGITS.match(digits):
        raise UnknownTarget(
            "a phone number must be 3 to 20 digits", details={"target": digits[:40]}
        )
    return Target(f"PJSIP/{digits}@{settings.carrier_out}", digits)


def unit(settings: TelephonySettings, target: str, hotline: str) -> Target:
    """A transfer / conference target: an outbound trunk by name (police, fire,
    medical or any configured trunk) or a department's phone digits."""
    for trunk in settings.outbound_trunks:
        if trunk.name == target and trunk.name != settings.carrier_out:
            return Target(f"PJSIP/{trunk.dial or hotline}@{trunk.name}", trunk.label)
    if _DIGITS.match(target):
        return number(settings, target)
    raise UnknownTarget(
        f"unknown transfer target {target[:40]!r}: a trunk name or a phone number",
        details={
            "target": target[:40],
            "trunks": [t.name for t in settings.outbound_trunks if t.name != settings.carrier_out],
        },
    )


async def call_out(
    ari: Originator,
    settings: TelephonySettings,
    digits: str,
    *,
    app: str,
    app_args: str = "",
    caller_id: str = "",
    channel_id: str | None = None,
    timeout_s: int | None = None,
) -> Channel:
    """Dial a citizen (or any number) through the carrier trunk; when they answer the
    channel enters Stasis ``app`` with ``app_args``."""
    target = number(settings, digits)
    return await ari.originate(
        target.endpoint,
        app=app,
        app_args=app_args,
        caller_id=caller_id,
        timeout_s=timeout_s or settings.peer_ring_s,
        channel_id=channel_id,
    )
