"""The core's part of the settings: the run mode and every core context's settings.

The shell's root object (``liandong.settings.Settings``) extends :class:`CoreSettings`
with the adapters' settings and reads the environment; nothing in the core reads
``os.environ``. Each context's own model lives in its ``settings.py``.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Self

from pydantic import BaseModel, model_validator

from core.auth.settings import DEV_SECRET, AuthSettings
from core.cases.settings import CaseSettings
from core.delivery.settings import DeliverySettings
from core.queue.settings import QueueSettings, RedisSettings
from core.storage.settings import DatabaseSettings


class Mode(StrEnum):
    development = "development"  # a developer's machine: demo accounts, plain logs
    demo = "demo"  # `make run`: demo accounts and Qianxi demo data
    production = "production"  # real secrets required, no demo accounts


class CoreSettings(BaseModel):
    mode: Mode = Mode.development
    center_name: str = "黔西市110社会联动中心"
    var_dir: Path = Path("var")
    database: DatabaseSettings = DatabaseSettings()
    redis: RedisSettings = RedisSettings()
    queue: QueueSettings = QueueSettings()
    auth: AuthSettings = AuthSettings()
    cases: CaseSettings = CaseSettings()
    # Outbound messages to people: retries, fallbacks, quiet hours, rate limits (issue 13).
    delivery: DeliverySettings = DeliverySettings()

    @model_validator(mode="after")
    def _refuse_default_auth_secret(self) -> Self:
        if self.mode is Mode.production:
            secret = self.auth.secret_key.get_secret_value()
            if secret == DEV_SECRET or len(secret) < 32:
                raise ValueError(
                    "production mode needs LIANDONG_AUTH__SECRET_KEY of at least 32 characters"
                )
        return self

    @property
    def demo_accounts_allowed(self) -> bool:
        return self.mode is not Mode.production
