"""Delivery errors (part of ``core.errors``' tree)::

LiandongError
├── InvalidInput
│   ├── DeliveryInvalid        422 delivery-invalid (no text, an unknown channel)
│   └── AckTokenInvalid        422 ack-token-invalid
├── NotFound
│   └── DeliveryNotFound       404 delivery-not-found
└── Unavailable
    └── SendFailed             503 delivery-send-failed (adapters raise it;
                               ``permanent`` when no retry can help)
"""

from __future__ import annotations

from typing import Any

from core.errors import InvalidInput, NotFound, Unavailable


class DeliveryInvalid(InvalidInput):
    error_id = "delivery-invalid"


class AckTokenInvalid(InvalidInput):
    error_id = "ack-token-invalid"


class DeliveryNotFound(NotFound):
    error_id = "delivery-not-found"


class SendFailed(Unavailable):
    """A channel could not take the message. Adapters translate their vendor's errors
    into this once, at their boundary."""

    error_id = "delivery-send-failed"

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        provider: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, details=details)
        self.permanent = permanent
        self.provider = provider
