"""The org map: the unit tree of the Qianxi linkage model (R1), its people, and the
city data platform's places, cameras and households (R2, R4).

Other packages may import:

* ``OrgMapService`` — ``locate`` a point to grid → village → township, nearest
  cameras, township look-up by name or alias, unit-tree counts;
* ``Placement``, ``UnitKind``, ``TownshipKind``, ``PersonRole``, ``PlaceKind`` — the
  vocabulary stored in the tables;
* ``seed_demo`` / ``generate_demo`` — the deterministic Qianxi demo city;
* the ORM rows in ``core.orgmap.tables`` (imported from there, not re-exported,
  so importing this package stays light for pure code).

``geometry`` and ``qianxi`` are public helper modules (pure functions and data);
the ``demo_*`` modules are the generator's internals.
"""

from typing import TYPE_CHECKING, Any

from core.orgmap.models import PersonRole, PlaceKind, Placement, TownshipKind, UnitKind

if TYPE_CHECKING:
    from core.orgmap.demo import generate_demo, seed_demo
    from core.orgmap.service import OrgMapService

# The service and the generator pull in SQLAlchemy; pure code that only wants the
# Qianxi data (router/ reads core.orgmap.qianxi) must not pay for that on import.
_LAZY = {
    "OrgMapService": "core.orgmap.service",
    "generate_demo": "core.orgmap.demo",
    "seed_demo": "core.orgmap.demo",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "OrgMapService",
    "PersonRole",
    "PlaceKind",
    "Placement",
    "TownshipKind",
    "UnitKind",
    "generate_demo",
    "seed_demo",
]
