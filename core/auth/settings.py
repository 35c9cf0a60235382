"""Authentication settings (``LIANDONG_AUTH__*``)."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr

DEV_SECRET = "dev-insecure-change-me"  # noqa: S105 - the sentinel production refuses


class AuthSettings(BaseModel):
    secret_key: SecretStr = SecretStr(DEV_SECRET)
    token_ttl_s: int = Field(8 * 3600, ge=60)  # one shift
    session_ttl_s: int = Field(12 * 3600, ge=60)
    # Browser cookies carry `Secure` unless explicitly served over plain HTTP
    # on loopback during development.
    cookie_secure: bool = True
    # Login slowing (core.auth.throttle): free failures per account, then growing
    # delays; a failure limit per client address within the window.
    login_free_attempts: int = Field(5, ge=1, le=100)
    login_base_delay_s: float = Field(1.0, gt=0, le=60)
    login_max_delay_s: float = Field(30.0, gt=0, le=3600)
    login_per_address: int = Field(30, ge=1, le=100_000)
    login_window_s: int = Field(900, ge=60, le=86_400)
