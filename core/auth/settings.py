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
