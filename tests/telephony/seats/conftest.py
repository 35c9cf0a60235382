"""Seat tests run the telephony process with short wrap-up and distribution ticks, so
a test waits seconds, not the production defaults."""

from __future__ import annotations

import httpx
import pytest

from liandong.settings import Settings
from telephony.settings import TelephonySettings
from tests.conftest import login


@pytest.fixture
def tel_settings(settings: Settings, asterisk: TelephonySettings) -> Settings:
    fast = asterisk.model_copy(update={"wrap_up_s": 2, "acd_tick_s": 0.5, "acd_overflow_s": 4})
    return settings.model_copy(update={"telephony": fast})


@pytest.fixture
async def dispatcher(client: httpx.AsyncClient) -> dict[str, str]:
    """A second call taker (the dispatcher on duty, who also holds 班长席's rights)."""
    return await login(client, "dispatcher", "demo-dispatcher-110")
