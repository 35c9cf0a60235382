"""IVR errors, in the platform's tree so the one HTTP handler can map them.

    LiandongError
    ├── InvalidInput (422)
    │   └── FlowInvalid            422 ivr-flow-invalid (flows.yaml: unknown prompt,
    │                                  bad key, missing menu …; raised at load)
    └── Unavailable (503)
        └── IvrChannelError        503 ivr-channel-error (the channel adapter failed)
            └── CallerHungUp       503 ivr-caller-hung-up (the caller left mid-menu)

The engine catches ``CallerHungUp`` and ends with the ``hangup`` result; any other
``IvrChannelError`` ends the session (the dialplan then sends the caller to the queue).
"""

from __future__ import annotations

from core.errors import InvalidInput, Unavailable


class FlowInvalid(InvalidInput):
    error_id = "ivr-flow-invalid"


class IvrChannelError(Unavailable):
    error_id = "ivr-channel-error"


class CallerHungUp(IvrChannelError):
    error_id = "ivr-caller-hung-up"


__all__ = ["CallerHungUp", "FlowInvalid", "IvrChannelError"]
