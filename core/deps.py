"""The one generic FastAPI dependency: a service from ``app.state``.

The shell's app factory puts every context's services in ``app.state``; a route
declares what it expects with an ``Annotated`` alias, e.g.
``Services = Annotated[Needs, Depends(state("core"))]``. Who is calling is
``core.auth.deps``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request


def state(name: str) -> Callable[[Request], Awaitable[Any]]:
    """A dependency returning ``app.state.<name>``; the ``Annotated`` type that uses
    it says what the route expects there."""

    # async on purpose: FastAPI runs plain ``def`` dependencies in a thread pool,
    # which cost more than the whole intake transaction (one hop per request).
    async def _get(request: Request) -> Any:
        return getattr(request.app.state, name)

    return _get
