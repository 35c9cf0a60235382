"""The FastAGI server with the real scripts on the test's database and Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import pytest

from liandong.settings import Settings
from telephony.fastagi.server import FastAgiServer
from tests.telephony.fastagi.support import agi_settings, fastagi_scripts


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[FastAgiServer]:
    s = agi_settings(settings)
    async with AsyncExitStack() as stack:
        scripts = await fastagi_scripts(s, stack)
        yield await stack.enter_async_context(FastAgiServer(s.fastagi, scripts))
