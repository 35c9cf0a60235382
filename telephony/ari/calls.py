"""The events of one call we placed, for the Stasis apps that originate a call and
then wait on it (the IVR call-back survey, voice notices): the app's event router
``feed``s each event of the call's channel; the call's task awaits the answer and
the keys.

Protocol facts: an originated channel enters Stasis (StasisStart) only once the far
end answers; a call that is not answered, busy or rejected ends in ChannelDestroyed
without StasisStart. RFC 4733/2833 digits arrive as ChannelDtmfReceived, also while
a playback runs.
"""

from __future__ import annotations

import asyncio

from telephony.ari.events import (
    ChannelDestroyed,
    ChannelDtmfReceived,
    ChannelHangupRequest,
    Event,
    StasisEnd,
    StasisStart,
)


class CallEvents:
    def __init__(self) -> None:
        self.events: asyncio.Queue[Event] = asyncio.Queue()
        self.digits: asyncio.Queue[str] = asyncio.Queue()
        self.gone = False

    def feed(self, event: Event) -> None:
        if isinstance(event, ChannelDtmfReceived):
            self.digits.put_nowait(event.digit)
        elif isinstance(event, ChannelDestroyed | ChannelHangupRequest | StasisEnd):
            self.gone = True
            self.digits.put_nowait("")  # wakes a waiting reader
        self.events.put_nowait(event)

    async def answered(self, limit_s: float) -> bool:
        """True once the channel is in Stasis (answered); False when it ended first."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit_s
        while (left := deadline - loop.time()) > 0:
            try:
                event = await asyncio.wait_for(self.events.get(), left)
            except TimeoutError:
                break
            if isinstance(event, StasisStart):
                return True
            if isinstance(event, ChannelDestroyed):
                return False
        return False

    async def key(self, limit_s: float) -> str | None:
        """The next key pressed within ``limit_s``; "" once the far end hung up."""
        try:
            return await asyncio.wait_for(self.digits.get(), limit_s)
        except TimeoutError:
            return None
