"""Seat presence's errors, in the platform's tree (one HTTP handler maps them).

LiandongError
├── InvalidInput (422)
│   └── UnknownSeat (telephony.calls.errors)  422 unknown-seat
└── Conflict (409)
    ├── SeatHeld                   409 seat-held (another call taker is signed in there)
    ├── SignedInElsewhere          409 signed-in-elsewhere (this user holds another seat)
    ├── SeatNotRegistered          409 seat-not-registered (no PJSIP contact: cannot ring)
    └── IllegalSeatTransition      409 illegal-seat-transition (state machine)
"""

from __future__ import annotations

from core.errors import Conflict
from telephony.calls.errors import UnknownSeat

__all__ = [
    "IllegalSeatTransition",
    "SeatHeld",
    "SeatNotRegistered",
    "SignedInElsewhere",
    "UnknownSeat",
]


class SeatHeld(Conflict):
    error_id = "seat-held"


class SignedInElsewhere(Conflict):
    error_id = "signed-in-elsewhere"


class SeatNotRegistered(Conflict):
    error_id = "seat-not-registered"


class IllegalSeatTransition(Conflict):
    error_id = "illegal-seat-transition"
