"""Errors of ``liandong drill``; each id is stable.

DrillRefused         drill-refused               not loopback, production, bad bounds
PlatformUnreachable  drill-platform-unreachable  the platform does not answer
"""

from __future__ import annotations

from core.errors import InvalidInput, LiandongError


class DrillRefused(InvalidInput):
    error_id = "drill-refused"


class PlatformUnreachable(LiandongError):
    error_id = "drill-platform-unreachable"
    status = 503
