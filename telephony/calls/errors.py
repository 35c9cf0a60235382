"""Call control's errors, subclassing the platform's tree so the one HTTP handler maps them.

    LiandongError
    ├── InvalidInput (422)
    │   ├── UnknownSeat                422 unknown-seat (no such seat phone)
    │   └── UnknownTarget              422 unknown-transfer-target (no trunk, not digits)
    ├── NotFound (404)
    │   └── NoSuchCall                 404 no-such-call (no live call on that channel)
    ├── Conflict (409)
    │   └── IllegalCallTransition      409 illegal-call-transition (state machine)
    └── Unavailable (503)
        └── TelephonyUnavailable       503 telephony-unavailable (the Stasis app process
                                       did not answer a command in time)

ARI's own errors are ``telephony.ari.errors``; Asterisk's set-up and configuration
errors ``telephony.asterisk.errors``.
"""

from __future__ import annotations

from core.errors import Conflict, InvalidInput, NotFound, Unavailable


class UnknownSeat(InvalidInput):
    error_id = "unknown-seat"


class UnknownTarget(InvalidInput):
    error_id = "unknown-transfer-target"


class NoSuchCall(NotFound):
    error_id = "no-such-call"


class IllegalCallTransition(Conflict):
    error_id = "illegal-call-transition"


class TelephonyUnavailable(Unavailable):
    error_id = "telephony-unavailable"
