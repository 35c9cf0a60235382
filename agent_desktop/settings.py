"""Settings of the agent desktop (env ``LIANDONG_DESK__<FIELD>``)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class DeskSettings(BaseModel):
    # A site with its own tile server sets e.g. http://tiles.local/{z}/{x}/{y}.png;
    # empty means the map draws only townships, grids and points (no internet needed).
    tile_url: str = Field("", max_length=300)
    tile_attribution: str = Field("", max_length=200)
    # Extra origins allowed to open the live feed (a big screen served elsewhere);
    # the page's own origin is always allowed.
    allowed_origins: tuple[str, ...] = ()
    # How often one feed connection looks at the work queue (a Redis sorted set
    # has no change stream): the event-to-screen latency is about this plus a render.
    queue_poll_s: float = Field(0.1, ge=0.02, le=5)
    # Unit staff: how often their open instructions are checked for changes.
    instructions_poll_s: float = Field(1.0, ge=0.2, le=30)
    # A feed connection ends after this long; EventSource reconnects with
    # Last-Event-ID, which spreads long-lived connections over the API workers.
    feed_max_s: float = Field(300.0, ge=1, le=3600)
    heartbeat_s: float = Field(15.0, ge=1, le=120)
    # Live feeds one user may hold open at once (agent_desktop.feedcap).
    feed_max_per_user: int = Field(4, ge=1, le=100)
    # Progress photos from units (签收/处置 reports).
    photo_max_bytes: int = Field(5 * 1024 * 1024, ge=1024)
    photos_per_report: int = Field(4, ge=1, le=20)
    # Serve synthetic JPEG/MJPEG camera views at /demo/cameras (the demo data's URLs);
    # never in production.
    demo_cameras: bool = True
