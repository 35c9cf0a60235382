"""Every route × every role against the documented access matrix (core/auth/roles.py).

Each API route's permission is read from its dependencies (``require(Perm.x)``, or plain
authentication); the roles allowed are ``MATRIX[perm]``. For every role's demo account
the route is called: an allowed role must not get 401/403, a denied role must get 403.
A route with neither a staff permission nor an entry in PUBLIC / OWN_CREDENTIALS fails
the test: every new route has to say who may call it.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from core.auth.deps import authenticate
from core.auth.models import Role
from core.auth.roles import MATRIX, Perm
from core.cases.permissions import ACTION_PERM
from tests.conftest import login

pytestmark = pytest.mark.anyio

ACCOUNTS = {
    Role.call_taker: ("calltaker", "demo-calltaker-110"),
    Role.dispatcher: ("dispatcher", "demo-dispatcher-110"),
    Role.unit_staff: ("police", "demo-unit-110"),
    Role.leader: ("leader", "demo-leader-110"),
    Role.admin: ("admin", "demo-admin-110"),
    Role.auditor: ("auditor", "demo-auditor-110"),
    Role.channel: ("gateway", "demo-gateway-110"),
}
ALL = frozenset(Role)

# Intentionally reachable without a staff login.
PUBLIC = {
    ("GET", "/"),
    ("GET", "/healthz"),
    ("GET", "/status"),
    ("GET", "/metrics"),
    ("POST", "/api/v1/auth/token"),
    ("POST", "/api/v1/auth/login"),
    # Synthetic demo camera pictures (refused in production mode).
    ("GET", "/demo/cameras/{code}/snapshot.jpg"),
    ("GET", "/demo/cameras/{code}/stream.mjpg"),
}
# Authenticated by their own means (webhook signatures, device or app credentials).
OWN_CREDENTIALS = ("/channels/", "/api/v1/channels/")
# Routes whose handler narrows the dependency's roles further (documented in the route).
NARROWED: dict[tuple[str, str], frozenset[Role]] = {
    # unit staff list their instructions, not all cases
    ("GET", "/api/v1/cases"): MATRIX[Perm.cases_read] - {Role.unit_staff},
    # only unit staff whose unit is a grid (grid workers); no demo account is one
    ("POST", "/api/v1/channels/grid/instructions/{number}/accept"): frozenset(),
    ("POST", "/api/v1/channels/grid/instructions/{number}/complete"): frozenset(),
}
ALWAYS_LAST = {("POST", "/api/v1/auth/logout")}


def _perm_of(dep: Dependant) -> Perm | str | None:
    """The permission a route's dependencies demand: a Perm, "staff" or None."""
    found: Perm | str | None = None
    for sub in dep.dependencies:
        call = sub.call
        if getattr(call, "__qualname__", "") == "require.<locals>._check":
            for cell in getattr(call, "__closure__", None) or ():
                if isinstance(cell.cell_contents, Perm):
                    return cell.cell_contents
        if call is authenticate:
            found = "staff"
        inner = _perm_of(sub)
        if isinstance(inner, Perm):
            return inner
        found = found or inner
    return found


def _routes(app: FastAPI) -> list[tuple[str, str, APIRoute]]:
    """Every API route with its full path. FastAPI >= 0.16x keeps included routers
    lazily (``_IncludedRouter``); older versions flatten them into APIRoutes."""
    found: list[tuple[str, APIRoute]] = []
    for r in app.routes:
        if isinstance(r, APIRoute):
            found.append((r.path, r))
        contexts = getattr(r, "effective_route_contexts", None)
        if contexts is not None:
            for ctx in contexts():
                if isinstance(ctx.original_route, APIRoute):
                    found.append((ctx.path, ctx.original_route))
    out: dict[tuple[str, str], APIRoute] = {}
    for path, route in found:
        for m in sorted(set(route.methods or ()) - {"HEAD"}):
            out[(m, path)] = route
    return [(m, p, r) for (m, p), r in sorted(out.items(), key=lambda x: (x[0][1], x[0][0]))]


def _expected(method: str, path: str, perm: Perm | str, action: str | None) -> frozenset[Role]:
    if (method, path) in NARROWED:
        return NARROWED[(method, path)]
    # "staff": any valid login, the channels' service account included.
    roles = MATRIX[perm] if isinstance(perm, Perm) else ALL
    if action is not None:
        roles = roles & MATRIX[ACTION_PERM[next(a for a in ACTION_PERM if a.value == action)]]
    return roles


def _url(path: str, number: str, action: str | None) -> str:
    def fill(m: re.Match[str]) -> str:
        name = m.group(1)
        if name == "number":
            return number
        if name == "action":
            return action or "note"
        if name in ("user_id", "change_id"):
            return "999999"  # admin console: never disable or undo a real one mid-test
        return "1"

    url = re.sub(r"\{([a-z_]+)(?::[a-z]+)?\}", fill, path)
    if path == "/api/v1/desk/events":
        url += "?max_s=0.3"  # the stream ends by itself
    return url


async def test_every_route_and_role_matches_the_access_matrix(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    gateway = await login(client, "gateway", "demo-gateway-110")
    r = await client.post(
        "/api/v1/contacts",
        headers=gateway,
        json={"channel": "app", "sender": "13800001111", "text": "新仁乡有人打架"},
    )
    assert r.status_code == 201, r.text
    number = r.json()["case_number"]

    checks: list[tuple[str, str, str | None, frozenset[Role]]] = []
    undocumented = []
    for method, path, route in _routes(app):
        perm = _perm_of(route.dependant)
        if perm is None:
            if (method, path) not in PUBLIC and not path.startswith(OWN_CREDENTIALS):
                undocumented.append(f"{method} {path}")
            continue
        actions: list[str | None] = [None]
        if "{action}" in path:
            actions = [a.value for a in ACTION_PERM]
        for action in actions:
            checks.append((method, path, action, _expected(method, path, perm, action)))
    assert not undocumented, f"routes that say nowhere who may call them: {undocumented}"
    checks.sort(key=lambda c: (c[0], c[1]) in ALWAYS_LAST)

    headers = {role: await login(client, *acct) for role, acct in ACCOUNTS.items()}
    failures: list[str] = []
    for method, path, action, allowed in checks:
        for role in Role:
            url = _url(path, number, action)
            kwargs: dict[str, Any] = {"headers": headers[role]}
            if method in {"POST", "PUT", "PATCH"}:
                kwargs["json"] = {}
            resp = await client.request(method, url, **kwargs)
            ok = resp.status_code not in (401, 403) if role in allowed else resp.status_code == 403
            if not ok:
                failures.append(
                    f"{method} {url} as {role.value}: {resp.status_code} "
                    f"({'allowed' if role in allowed else 'denied'}) {resp.text[:120]}"
                )
    assert not failures, "\n".join(failures)
    assert len(checks) > 30  # the whole API was enumerated


# Issue 14's routes, named so that a refactor cannot drop their guard unnoticed
# (the walk above checks the roles; this checks the permission each one demands).
ISSUE_14: dict[tuple[str, str], Perm] = {
    ("GET", "/api/v1/audit"): Perm.audit_read,
    ("POST", "/api/v1/auth/users/{username}/unlock"): Perm.users_manage,
    ("POST", "/api/v1/channels/app/identities/codes"): Perm.contacts_create,
    ("POST", "/api/v1/channels/app/identities"): Perm.contacts_create,
}


async def test_the_security_routes_demand_their_permissions(app: FastAPI) -> None:
    found = {(m, p): _perm_of(r.dependant) for m, p, r in _routes(app)}
    for key, perm in ISSUE_14.items():
        assert found[key] is perm, key
    assert MATRIX[Perm.audit_read] == frozenset({Role.admin, Role.auditor})
