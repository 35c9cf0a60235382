"""Which channel a caller of ``POST /api/v1/contacts`` may claim (pure).

The generic intake route trusts what the body says, so a channel whose proof lives
elsewhere must not be claimable there: a set-top-box alarm is proven by the box's
signature (``/api/v1/channels/stb``), a grid report by the grid worker's own login
(``/api/v1/channels/grid``) and a live call by Asterisk (the Stasis app submits it
in-process). Staff record what reached them by phone or message; the channel
gateway relays the messages its upstream (WeChat, Weibo, SMS, the app) proved.
"""

from __future__ import annotations

from core.auth.models import Role
from core.cases.models import Channel
from core.errors import PermissionDenied

_MESSAGES = frozenset({Channel.wechat, Channel.weibo, Channel.sms, Channel.app})
_STAFF = _MESSAGES | {Channel.phone}

CLAIMABLE: dict[Role, frozenset[Channel]] = {
    Role.call_taker: _STAFF,
    Role.dispatcher: _STAFF,
    Role.admin: _STAFF,
    Role.channel: _MESSAGES,
}


def check_claim(role: Role, channel: str, *, live: bool) -> None:
    """Refuse a contact the caller cannot prove (``channel-not-claimable``).

    An unknown channel passes here so that intake answers ``unknown-channel``."""
    allowed = CLAIMABLE.get(role, frozenset())
    known = channel in Channel.__members__.values()
    if live or (known and Channel(channel) not in allowed):
        raise PermissionDenied(
            "这个渠道不能通过此接口提交" if not live else "通话中的来电只由电话系统提交",
            error_id="channel-not-claimable",
            details={"channel": channel, "live": live, "allowed": sorted(allowed)},
        )
