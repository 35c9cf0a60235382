"""Login routes: OAuth2 password flow for API clients, cookie sessions for browsers."""

from __future__ import annotations

from typing import Annotated, Protocol

from fastapi import APIRouter, Depends, Form, Path, Request, Response
from pydantic import BaseModel

from core.auth.deps import CSRF_COOKIE, SESSION_COOKIE, CurrentUser, client_address, require
from core.auth.models import ROLE_LABELS, Principal
from core.auth.roles import Perm
from core.auth.service import AuthService
from core.deps import state


class Needs(Protocol):
    """What these routes use of the core's services (``core.wiring.CoreServices``)."""

    @property
    def auth(self) -> AuthService: ...


Services = Annotated[Needs, Depends(state("core"))]


router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int
    role: str


class SessionOut(BaseModel):
    username: str
    role: str
    role_label: str
    display_name: str
    csrf_token: str


class MeOut(BaseModel):
    username: str
    role: str
    role_label: str
    display_name: str
    unit_id: int | None


@router.post(
    "/token",
    response_model=TokenOut,
    summary="OAuth2 password flow: form fields username and password",
)
async def token(
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    request: Request,
    c: Services,
) -> TokenOut:
    principal = await c.auth.authenticate(username, password, address=client_address(request))
    issued = await c.auth.issue(principal, "bearer")
    return TokenOut(
        access_token=issued.session_id,
        expires_in=c.auth.settings.token_ttl_s,
        role=principal.role.value,
    )


@router.post("/login", response_model=SessionOut, summary="Browser login: sets a session cookie")
async def login(
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    request: Request,
    response: Response,
    c: Services,
) -> SessionOut:
    principal = await c.auth.authenticate(username, password, address=client_address(request))
    issued = await c.auth.issue(principal, "session")
    secure = c.auth.settings.cookie_secure
    ttl = c.auth.settings.session_ttl_s
    response.set_cookie(
        SESSION_COOKIE,
        issued.session_id,
        max_age=ttl,
        httponly=True,
        secure=secure,
        samesite="strict",
        path="/",
    )
    # Readable by the page's script, which echoes it in X-CSRF-Token.
    response.set_cookie(
        CSRF_COOKIE,
        issued.csrf_token,
        max_age=ttl,
        httponly=False,
        secure=secure,
        samesite="strict",
        path="/",
    )
    return SessionOut(
        username=principal.username,
        role=principal.role.value,
        role_label=ROLE_LABELS[principal.role],
        display_name=principal.display_name,
        csrf_token=issued.csrf_token,
    )


@router.post("/logout", status_code=204, summary="End this browser session or revoke this token")
async def logout(user: CurrentUser, request: Request, response: Response, c: Services) -> None:
    header = request.headers.get("authorization", "")
    secret = (
        header[7:].strip()
        if header[:7].lower() == "bearer "
        else request.cookies.get(SESSION_COOKIE, "")
    )
    await c.auth.revoke(secret)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")


@router.get("/me", response_model=MeOut, summary="Who am I")
async def me(user: CurrentUser) -> MeOut:
    return MeOut(
        username=user.username,
        role=user.role.value,
        role_label=ROLE_LABELS[user.role],
        display_name=user.display_name,
        unit_id=user.unit_id,
    )


UserManager = Annotated[Principal, Depends(require(Perm.users_manage))]


@router.post(
    "/users/{username}/unlock",
    status_code=204,
    summary="Clear an account's failed logins (admin); audited",
)
async def unlock(
    username: Annotated[str, Path(max_length=64)],
    user: UserManager,
    request: Request,
    c: Services,
) -> None:
    await c.auth.unlock(username, actor=user.username, address=client_address(request))
