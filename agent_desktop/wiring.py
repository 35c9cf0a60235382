"""How the composition root builds the desk: its settings and the progress-photo store,
kept in ``app.state.desk`` for the routes (``DeskContext``)."""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from agent_desktop.hub import FeedHub
from agent_desktop.settings import DeskSettings
from agent_desktop.uploads import PhotoStore
from core.deps import state
from core.wiring import CoreServices


@dataclass
class Desk:
    settings: DeskSettings
    photos: PhotoStore
    hub: FeedHub  # the one reader behind every live feed of this process


def build_desk(core: CoreServices, settings: DeskSettings, stack: AsyncExitStack) -> Desk:
    wq = core.workqueue
    hub = FeedHub(core.settings.redis.url, core.settings.redis.prefix, core.db, settings,
                  wq.key, wq.item_prefix)  # fmt: skip
    stack.push_async_callback(hub.close)
    return Desk(
        settings, PhotoStore(core.settings.var_dir / "uploads", settings.photo_max_bytes), hub
    )


DeskContext = Annotated[Desk, Depends(state("desk"))]
