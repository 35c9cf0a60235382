"""ARI errors, subclassing the platform's tree so the one HTTP handler maps them.

    LiandongError
    └── Unavailable (503)
        └── AriError                   503 ari-error (any ARI failure)
            ├── AriUnreachable         503 ari-unreachable (connect/timeout/websocket lost)
            ├── AriAuthFailed          503 ari-auth-failed (401/403: wrong ARI credentials)
            ├── AriProtocolError       503 ari-protocol-error (a reply or event we cannot read)
            └── AriRequestFailed       503 ari-request-failed (4xx/5xx; ``status`` kept)
                ├── AriNotFound        404 from ARI: channel/bridge/variable gone
                └── AriConflict        409 from ARI: e.g. channel not in Stasis

httpx and websockets exceptions are translated once, in ``telephony.ari.client``;
nothing outside this package sees them. Messages carry no credentials.
"""

from __future__ import annotations

from typing import Any

from core.errors import Unavailable


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
