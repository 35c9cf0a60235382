"""FastAGI errors, in the platform's tree (and under telephony's 503 family).

    LiandongError
    └── Unavailable (503)
        └── AgiError               503 agi-error (any AGI session failure)
            ├── AgiProtocolError   503 agi-protocol-error (a header or reply we cannot read)
            ├── AgiTimeout         503 agi-timeout (header or reply did not come in time)
            ├── AgiHangup          503 agi-channel-hung-up (HANGUP / 511 / the socket closed)
            └── AgiCommandFailed   503 agi-command-failed (510/520: Asterisk refused a command)

Socket errors (``OSError``, ``IncompleteReadError``) are translated here once, in
``telephony.fastagi.session``; nothing else sees them.
"""

from __future__ import annotations

from core.errors import Unavailable


class AgiError(Unavailable):
    error_id = "agi-error"


class AgiProtocolError(AgiError):
    error_id = "agi-protocol-error"


class AgiTimeout(AgiError):
    error_id = "agi-timeout"


class AgiHangup(AgiError):
    error_id = "agi-channel-hung-up"


class AgiCommandFailed(AgiError):
    error_id = "agi-command-failed"


__all__ = ["AgiCommandFailed", "AgiError", "AgiHangup", "AgiProtocolError", "AgiTimeout"]
