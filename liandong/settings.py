"""The root settings object, read once at start-up by the composition root.

Nothing else in the code base reads ``os.environ``: every component receives the
part of :class:`Settings` it needs from the composition root (``liandong.wiring``).
Environment variables use the ``LIANDONG_`` prefix and ``__`` for nesting, e.g.
``LIANDONG_DATABASE__URL`` or ``LIANDONG_REDIS__URL``. The core's part
(:class:`core.settings.CoreSettings`) and each adapter's part live beside their code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from agent_desktop.settings import DeskSettings
from asr.settings import AsrSettings
from channels.settings import ChannelsSettings
from core.auth.settings import AuthSettings
from core.cases.settings import CaseSettings
from core.queue.settings import QueueSettings, RedisSettings
from core.settings import CoreSettings, Mode
from core.storage.settings import DatabaseSettings
from feedback.settings import FeedbackSettings
from ivr.settings import IvrSettings
from liandong.drill.settings import DrillSettings
from reports.settings import ReportSettings
from telephony.fastagi.settings import FastAgiSettings
from telephony.settings import TelephonySettings

__all__ = [
    "AuthSettings",
    "CaseSettings",
    "DatabaseSettings",
    "Mode",
    "QueueSettings",
    "RedisSettings",
    "Settings",
]


class Settings(CoreSettings, BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LIANDONG_",
        env_nested_delimiter="__",
        env_file=None,
        extra="ignore",
    )

    max_body_bytes: int = 1024 * 1024
    # Proxies (IPs or CIDRs) whose X-Forwarded-For / -Proto we believe. Empty: the
    # client address is the TCP peer, whatever headers say (login limits per address
    # must not be defeated by a forged header).
    forwarded_allow_ips: list[str] = []
    # Bearer token Prometheus sends for /metrics (and /status) in production, where
    # they are otherwise for logins with stats:read only (liandong.hardening).
    metrics_token: SecretStr | None = None
    log_json: bool = True
    telephony: TelephonySettings = TelephonySettings()
    channels: ChannelsSettings = ChannelsSettings()
    # IVR menus of 12345/12315 and the FastAGI server that runs them (ivr/, telephony/fastagi/).
    ivr: IvrSettings = IvrSettings()
    fastagi: FastAgiSettings = FastAgiSettings()
    feedback: FeedbackSettings = FeedbackSettings()
    reports: ReportSettings = ReportSettings()
    desk: DeskSettings = DeskSettings()
    # Optional components: when unset /status reports them as degraded.
    asr_model_path: Path | None = None
    # Speech recognition (asr/): models per language, batch worker, live taps.
    asr: AsrSettings = AsrSettings()
    # `liandong drill`: the platform it drives and its hard bounds.
    drill: DrillSettings = DrillSettings()

    @model_validator(mode="after")
    def _refuse_default_telephony_secrets(self) -> Self:
        if self.mode is Mode.production and self.telephony.has_default_secrets:
            raise ValueError(
                "production mode needs LIANDONG_TELEPHONY__ARI_PASSWORD and "
                "LIANDONG_TELEPHONY__SEAT_SECRET set (the defaults are public)"
            )
        return self
