"""Settings for the whole platform, read once at start-up.

Nothing else in the code base reads ``os.environ``: every component receives the
part of :class:`Settings` it needs from the composition root (``liandong.app``).
Environment variables use the ``LIANDONG_`` prefix and ``__`` for nesting, e.g.
``LIANDONG_DATABASE__URL`` or ``LIANDONG_REDIS__URL``.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Self

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from agent_desktop.settings import DeskSettings
from asr.settings import AsrSettings
from channels.settings import ChannelsSettings
from feedback.settings import FeedbackSettings
from ivr.settings import IvrSettings
from reports.settings import ReportSettings
from telephony.fastagi.settings import FastAgiSettings
from telephony.settings import TelephonySettings

DEV_SECRET = "dev-insecure-change-me"  # noqa: S105 - the sentinel production refuses


class Mode(StrEnum):
    development = "development"  # a developer's machine: demo accounts, plain logs
    demo = "demo"  # `make run`: demo accounts and Qianxi demo data
    production = "production"  # real secrets required, no demo accounts


class DatabaseSettings(BaseModel):
    # SQLite is the embedded default; production points this at PostgreSQL, e.g.
    # postgresql+asyncpg://liandong:secret@db.example/liandong
    url: str = "sqlite+aiosqlite:///var/liandong.db"
    pool_size: int = Field(10, ge=1, le=200)
    echo: bool = False


class RedisSettings(BaseModel):
    url: str = "redis://127.0.0.1:6379/0"
    # Every key the platform writes starts with this, so one Redis can serve
    # several centers (or several test runs) side by side.
    prefix: str = "ld"


class QueueSettings(BaseModel):
    consumer_group: str = "intake-workers"
    # An entry nobody acknowledged for this long belongs to a dead consumer and
    # is re-claimed with XAUTOCLAIM by a live one.
    claim_idle_ms: int = Field(30_000, ge=100)
    # After this many deliveries an entry is moved to the dead-letter stream.
    max_deliveries: int = Field(5, ge=1)
    # The outbox relay republishes rows whose publish failed or was lost
    # (e.g. Redis restarted empty) once they are this old and still unprocessed.
    republish_after_s: float = Field(10.0, gt=0)
    relay_interval_s: float = Field(1.0, gt=0)
    # Priority aging for the call takers' work queue: one priority step is worth
    # this many seconds of waiting, so an old consultation eventually outranks
    # a fresh non-urgent report but never an emergency that just arrived.
    aging_step_s: float = Field(120.0, gt=0)
    stream_maxlen: int = Field(1_000_000, ge=1000)


class AuthSettings(BaseModel):
    secret_key: SecretStr = SecretStr(DEV_SECRET)
    token_ttl_s: int = Field(8 * 3600, ge=60)  # one shift
    session_ttl_s: int = Field(12 * 3600, ge=60)
    # Browser cookies carry `Secure` unless explicitly served over plain HTTP
    # on loopback during development.
    cookie_secure: bool = True


class CaseSettings(BaseModel):
    number_prefix: str = Field("QX", pattern=r"^[A-Z]{2,6}$")
    timezone: str = "Asia/Shanghai"
    # Default deadlines by priority 1..4 when the duty catalogue (R6) names none:
    # minutes to acknowledge (签收) and hours to complete (办结).
    ack_minutes: tuple[int, int, int, int] = (5, 15, 30, 120)
    done_hours: tuple[float, float, float, float] = (1, 4, 24, 72)
    # A reopened case (重办) gets this share of the normal completion time.
    reopen_deadline_factor: float = Field(0.5, gt=0, le=1)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LIANDONG_",
        env_nested_delimiter="__",
        env_file=None,
        extra="ignore",
    )

    mode: Mode = Mode.development
    center_name: str = "黔西市110社会联动中心"
    var_dir: Path = Path("var")
    max_body_bytes: int = 1024 * 1024
    log_json: bool = True
    database: DatabaseSettings = DatabaseSettings()
    redis: RedisSettings = RedisSettings()
    queue: QueueSettings = QueueSettings()
    auth: AuthSettings = AuthSettings()
    cases: CaseSettings = CaseSettings()
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

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Self:
        if self.mode is Mode.production:
            secret = self.auth.secret_key.get_secret_value()
            if secret == DEV_SECRET or len(secret) < 32:
                raise ValueError(
                    "production mode needs LIANDONG_AUTH__SECRET_KEY of at least 32 characters"
                )
            if self.telephony.has_default_secrets:
                raise ValueError(
                    "production mode needs LIANDONG_TELEPHONY__ARI_PASSWORD and "
                    "LIANDONG_TELEPHONY__SEAT_SECRET set (the defaults are public)"
                )
        return self

    @property
    def demo_accounts_allowed(self) -> bool:
        return self.mode is not Mode.production
