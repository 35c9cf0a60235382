"""Telephony errors, subclassing the platform's tree so the one HTTP handler maps them.

    LiandongError
    ├── InvalidInput (422)
    │   ├── TelephonyConfigInvalid     422 telephony-config-invalid (settings cannot render)
    │   ├── UnknownSeat                422 unknown-seat (no such seat phone)
    │   └── UnknownTarget              422 unknown-transfer-target (no trunk, not digits)
    ├── NotFound (404)
    │   └── NoSuchCall                 404 no-such-call (no live call on that channel)
    ├── Conflict (409)
    │   └── IllegalCallTransition      409 illegal-call-transition (state machine)
    └── Unavailable (503)
        ├── TelephonyUnavailable       503 telephony-unavailable (the Stasis app process
        │                              did not answer a command in time)
        ├── AriError                   503 ari-error (any ARI failure)
        │   ├── AriUnreachable         503 ari-unreachable (connect/timeout/websocket lost)
        │   ├── AriAuthFailed          503 ari-auth-failed (401/403: wrong ARI credentials)
        │   ├── AriProtocolError       503 ari-protocol-error (a reply or event we cannot read)
        │   └── AriRequestFailed       503 ari-request-failed (4xx/5xx; ``status`` kept)
        │       ├── AriNotFound        404 from ARI: channel/bridge/variable gone
        │       └── AriConflict        409 from ARI: e.g. channel not in Stasis
        └── AsteriskSetupFailed        503 asterisk-setup-failed (debootstrap, start, stop)

httpx and websockets exceptions are translated once, in ``telephony.ari``; nothing
outside that module sees them. Messages carry no credentials.
"""

from __future__ import annotations

from typing import Any

from core.errors import Conflict, InvalidInput, NotFound, Unavailable


class TelephonyConfigInvalid(InvalidInput):
    error_id = "telephony-config-invalid"


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


class AriError(Unavailable):
    error_id = "ari-error"


class AriUnreachable(AriError):
    error_id = "ari-unreachable"


class AriAuthFailed(AriError):
    error_id = "ari-auth-failed"


class AriProtocolError(AriError):
    error_id = "ari-protocol-error"


class AriRequestFailed(AriError):
    """ARI answered with an error status; ``ari_status`` is that HTTP status."""

    error_id = "ari-request-failed"

    def __init__(
        self, message: str, *, ari_status: int, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message, details={"ari_status": ari_status, **(details or {})})
        self.ari_status = ari_status


class AriNotFound(AriRequestFailed):
    error_id = "ari-not-found"


class AriConflict(AriRequestFailed):
    error_id = "ari-conflict"


class AsteriskSetupFailed(Unavailable):
    error_id = "asterisk-setup-failed"
