"""How the composition root builds the desk: its settings and the progress-photo store,
kept in ``app.state.desk`` for the routes (``DeskContext``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from agent_desktop.settings import DeskSettings
from agent_desktop.uploads import PhotoStore
from core.deps import state
from core.wiring import CoreServices


@dataclass
class Desk:
    settings: DeskSettings
    photos: PhotoStore


def build_desk(core: CoreServices, settings: DeskSettings) -> Desk:
    return Desk(settings, PhotoStore(core.settings.var_dir / "uploads", settings.photo_max_bytes))


DeskContext = Annotated[Desk, Depends(state("desk"))]
