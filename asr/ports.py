"""What the ASR worker needs from outside asr/, as Protocols (the shell wires them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class LiveCall:
    channel_id: str
    contact_id: int | None
    state: str
    arrived_at: float


class LiveCalls(Protocol):
    """The calls in progress, as telephony keeps them (its call store in Redis)."""

    async def live_calls(self) -> list[LiveCall]: ...
