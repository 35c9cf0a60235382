"""Asterisk's set-up and configuration errors.

LiandongError
├── InvalidInput (422)
│   └── TelephonyConfigInvalid     422 telephony-config-invalid (settings cannot render)
└── Unavailable (503)
    └── AsteriskSetupFailed        503 asterisk-setup-failed (debootstrap, start, stop)
"""

from __future__ import annotations

from core.errors import InvalidInput, Unavailable


class TelephonyConfigInvalid(InvalidInput):
    error_id = "telephony-config-invalid"


class AsteriskSetupFailed(Unavailable):
    error_id = "asterisk-setup-failed"
