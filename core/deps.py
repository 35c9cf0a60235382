"""The one generic FastAPI dependency: a service from ``app.state``.

The shell's app factory puts every context's services in ``app.state``; a route
declares what it expects with an ``Annotated`` alias, e.g.
``Services = Annotated[Needs, Depends(state("core"))]``. Who is calling is
``core.auth.deps``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Path, Query, Request

# Row ids are BIGINT: a larger number must be a 422 here, not an overflow in the
# database driver (a 500 on SQLite and PostgreSQL alike).
MAX_ID = 2**63 - 1
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]


def state(name: str) -> Callable[[Request], Awaitable[Any]]:
    """A dependency returning ``app.state.<name>``; the ``Annotated`` type that uses
    it says what the route expects there."""

    # async on purpose: FastAPI runs plain ``def`` dependencies in a thread pool,
    # which cost more than the whole intake transaction (one hop per request).
    async def _get(request: Request) -> Any:
        return getattr(request.app.state, name)

    return _get
