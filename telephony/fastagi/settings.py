"""FastAGI server settings (``LIANDONG_FASTAGI__*``), e.g. ``LIANDONG_FASTAGI__PORT=4573``."""

from __future__ import annotations

import ipaddress

from pydantic import BaseModel, Field, field_validator


class FastAgiSettings(BaseModel):
    # Where the server listens. Loopback by default: AGI carries no authentication,
    # so only the Asterisk host may reach it (bind a LAN address plus a firewall rule
    # for a carrier-run Asterisk elsewhere).
    host: str = "127.0.0.1"
    port: int = Field(4573, ge=0, le=65535)  # 4573: the AGI port IANA lists
    # The address the rendered dialplan dials (agi://<connect_host>:<port>/...);
    # unset: ``host``.
    connect_host: str | None = None
    # Asterisk sends the agi_* header at once; a silent peer is dropped after this.
    header_timeout_s: float = Field(5.0, gt=0)
    # How long the menu waits to register its caller before playing regardless (the
    # caller must not wait for a slow database); a caller who then leaves in the menu
    # is registered in the background as a call-back item.
    intake_timeout_s: float = Field(3.0, gt=0)
    # Longest wait for one command's reply (a prompt plays inside STREAM FILE).
    command_timeout_s: float = Field(90.0, gt=0)
    # Longest IVR or lookup session; then the server lets go (the dialplan queues).
    session_timeout_s: float = Field(600.0, gt=0)
    # Concurrent sessions; beyond this a connection is closed at once and the dialplan
    # takes its AGI-failed path (straight to the queue).
    max_sessions: int = Field(200, ge=1)
    # LIANDONG_REPEAT_24H counts phone contacts from the caller within this window.
    repeat_window_h: float = Field(24.0, gt=0)

    @field_validator("host", "connect_host")
    @classmethod
    def _ip(cls, v: str | None) -> str | None:
        if v is not None:
            ipaddress.ip_address(v)  # a literal address: it ends up in the dialplan
        return v

    @property
    def address(self) -> str:
        """host:port as the dialplan's agi:// URL needs it."""
        return f"{self.connect_host or self.host}:{self.port}"
