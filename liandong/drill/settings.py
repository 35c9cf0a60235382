"""Settings of ``liandong drill`` (env ``LIANDONG_DRILL__<FIELD>``)."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr


class DrillSettings(BaseModel):
    # The platform the drill drives; loopback only (a drill floods the queue).
    api_url: str = "http://127.0.0.1:8000"
    # The citizen app's backend account (the demo one by default) and a grid worker's,
    # which the drill creates in the first grid if it does not exist (no demo account
    # is a grid worker).
    gateway_user: str = "gateway"
    gateway_password: SecretStr = SecretStr("demo-gateway-110")
    grid_user: str = "drill-grid"
    grid_password: SecretStr = SecretStr("drill-grid-110")
    # Hard bounds, whatever the command line asks for.
    max_duration_s: float = Field(3600.0, gt=0)
    max_rate: float = Field(50.0, gt=0)
    max_contacts: int = Field(200_000, gt=0)
    # After sending stops: how long the platform gets to put everything in the queue.
    settle_s: float = Field(30.0, ge=1)
    # Set-top boxes of the demo seed used for alarms (household STB ids).
    stb_devices: int = Field(40, ge=1, le=500)
