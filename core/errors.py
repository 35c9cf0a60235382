"""The platform's error tree. Domain code raises these; only ``liandong.api_errors``
knows HTTP. Every error carries a stable kebab-case ``error_id`` that clients and
tests match on, a human message and optional details.

    LiandongError
    ├── InvalidInput                 422 invalid-request
    │   ├── MalformedJSON            400 malformed-json
    │   ├── UnknownChannel           422 unknown-channel
    │   └── UnknownHotline           422 unknown-hotline
    ├── PayloadTooLarge              413 body-too-large
    ├── NotFound                     404 <thing>-not-found (e.g. case-not-found)
    ├── Conflict                     409
    │   ├── DuplicateIdempotencyKey  409 duplicate-idempotency-key
    │   └── IllegalTransition        409 illegal-transition
    ├── AuthError                    401 not-authenticated / invalid-credentials
    ├── PermissionDenied             403 permission-denied
    ├── TooManyAttempts              429 too-many-attempts
    └── Unavailable                  503 <component>-unavailable
"""

from __future__ import annotations

from typing import Any, ClassVar


class LiandongError(Exception):
    error_id: ClassVar[str] = "internal-error"
    status: ClassVar[int] = 500

    def __init__(
        self, message: str, *, details: dict[str, Any] | None = None, error_id: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}
        if error_id is not None:
            self.error_id = error_id  # type: ignore[misc]  # per-instance refinement

    def to_dict(self) -> dict[str, Any]:
        return {"error_id": self.error_id, "message": self.message, "details": self.details}


class InvalidInput(LiandongError):
    error_id = "invalid-request"
    status = 422


class MalformedJSON(InvalidInput):
    error_id = "malformed-json"
    status = 400


class UnknownChannel(InvalidInput):
    error_id = "unknown-channel"


class UnknownHotline(InvalidInput):
    error_id = "unknown-hotline"


class PayloadTooLarge(LiandongError):
    error_id = "body-too-large"
    status = 413


class NotFound(LiandongError):
    error_id = "not-found"
    status = 404


class Conflict(LiandongError):
    error_id = "conflict"
    status = 409


class DuplicateIdempotencyKey(Conflict):
    error_id = "duplicate-idempotency-key"


class IllegalTransition(Conflict):
    error_id = "illegal-transition"


class AuthError(LiandongError):
    error_id = "not-authenticated"
    status = 401


class PermissionDenied(LiandongError):
    error_id = "permission-denied"
    status = 403


class TooManyAttempts(LiandongError):
    error_id = "too-many-attempts"
    status = 429


class Unavailable(LiandongError):
    error_id = "service-unavailable"
    status = 503
