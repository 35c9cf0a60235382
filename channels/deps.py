"""FastAPI dependency for the channels' services (``app.state.channels``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from channels.runtime import Channels


async def _channels(request: Request) -> Channels:
    # async: a plain ``def`` dependency would cost a thread-pool hop per request.
    ch: Channels = request.app.state.channels
    return ch


ChannelServices = Annotated[Channels, Depends(_channels)]
