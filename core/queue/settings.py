"""Redis and the intake queue's settings (``LIANDONG_REDIS__*``, ``LIANDONG_QUEUE__*``)."""

from __future__ import annotations

from pydantic import BaseModel, Field


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
