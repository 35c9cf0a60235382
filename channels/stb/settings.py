"""Set-top-box one-click alarm (一键报警, R4) settings."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr

DEMO_MASTER_SECRET = "demo-stb-master-secret-qianxi-110"  # noqa: S105 - refused in production


class StbSettings(BaseModel):
    enabled: bool = True
    # Per-device keys are HMAC-SHA256(master, "<device_id>:<key_version>"); the
    # master never leaves the platform, each box is provisioned with its own key.
    master_secret: SecretStr = SecretStr(DEMO_MASTER_SECRET)
    timestamp_window_s: int = Field(120, ge=5, le=3600)
    heartbeat_interval_s: int = Field(60, ge=5)
    # A box silent for this long is reported as a fault (offline).
    silent_after_s: int = Field(300, ge=10)
    supervise_every_s: float = Field(15.0, gt=0)
