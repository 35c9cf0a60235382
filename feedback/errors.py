"""Feedback's errors.

    LiandongError
    └── Conflict (409)
        └── HoldNotOpen                409 reopen-hold-closed (the overrule window is over)

``HungUp`` is not a platform error: the survey call's own control flow when the
citizen hangs up (the FastAGI side has ``AgiHangup``, translated into the IVR port's
``CallerHungUp``; each belongs to its protocol).
"""

from __future__ import annotations

from core.errors import Conflict


class HoldNotOpen(Conflict):
    error_id = "reopen-hold-closed"


class HungUp(Exception):
    """The citizen hung up during the survey: control flow inside ``SurveyCall``, never
    raised out of it (the call's row records the outcome)."""
