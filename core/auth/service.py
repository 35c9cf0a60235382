"""AuthService: logins, bearer tokens, browser sessions and the audit log.

Secrets (tokens, session ids) are random 256-bit values; only their SHA-256 is
stored, so a database dump does not hand out live sessions. Validated tokens are
cached in-process for a few seconds — the bearer check runs on every request —
which bounds how long a revoked token keeps working to ``CACHE_TTL_S``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from core.auth import auditlog
from core.auth.models import Principal, Role
from core.auth.passwords import dummy_hash, hash_password, needs_rehash, verify_password
from core.auth.roles import UNIT_SCOPED
from core.auth.settings import AuthSettings
from core.auth.tables import TokenRow, UserRow
from core.auth.throttle import LoginThrottle
from core.clock import Clock
from core.errors import AuthError, InvalidInput
from core.storage.engine import Database

CACHE_TTL_S = 10.0
_CACHE_MAX = 10_000


def _unitless(user: UserRow) -> bool:
    """A unit-scoped account without a unit (made before that was refused, or by SQL)
    is refused at login: its scope would be everything."""
    return Role(user.role) in UNIT_SCOPED and user.unit_id is None


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class IssuedSession:
    session_id: str
    csrf_token: str
    principal: Principal
    expires_at: datetime


class AuthService:
    def __init__(
        self,
        db: Database,
        settings: AuthSettings,
        *,
        demo_allowed: bool,
        clock: Clock,
        throttle: LoginThrottle | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.demo_allowed = demo_allowed
        self.clock = clock
        self.throttle = throttle
        self._cache: dict[str, tuple[float, Principal, datetime, str | None]] = {}
        dummy_hash()  # ~50 ms once, here rather than on the first unknown login

    async def authenticate(
        self, username: str, password: str, *, address: str | None = None
    ) -> Principal:
        if self.throttle is not None:
            await self.throttle.check(username, address)
        async with self.db.session() as s:
            user = await s.scalar(select(UserRow).where(UserRow.username == username))
            ok = verify_password(user.password_hash if user else None, password)
            demo_refused = bool(user and user.demo and ok and not self.demo_allowed)
            refused = user is None or not ok or not user.active or demo_refused or _unitless(user)
            # The audit row commits with this transaction whatever the outcome;
            # the refusal is raised only after the commit.
            await auditlog.append(
                s,
                at=self.clock(),
                actor=username[:64],
                address=address,
                action="login.failed" if refused else "login.ok",
                details={"demo_refused": demo_refused},
            )
            if not refused and user is not None and needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            principal = None if refused or user is None else self._principal(user, "bearer")
        if principal is None:
            if self.throttle is not None:
                await self.throttle.failed(username, address)
            # One message for every refusal: no hint which part was wrong.
            raise AuthError("用户名或密码错误", error_id="invalid-credentials")
        if self.throttle is not None:
            await self.throttle.succeeded(username)
        return principal

    @staticmethod
    def _principal(user: UserRow, via: str) -> Principal:
        return Principal(
            user_id=user.id,
            username=user.username,
            role=Role(user.role),
            display_name=user.display_name,
            unit_id=user.unit_id,
            via=via,
        )

    async def issue(self, principal: Principal, kind: str) -> IssuedSession:
        secret = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(24) if kind == "session" else None
        ttl = self.settings.session_ttl_s if kind == "session" else self.settings.token_ttl_s
        now = self.clock()
        expires = now + timedelta(seconds=ttl)
        async with self.db.session() as s:
            s.add(
                TokenRow(
                    token_hash=_digest(secret),
                    kind=kind,
                    user_id=principal.user_id,
                    csrf_token=csrf,
                    created_at=now,
                    expires_at=expires,
                )
            )
        return IssuedSession(secret, csrf or "", principal, expires)

    async def resolve(self, secret: str, kind: str) -> tuple[Principal, str | None]:
        """The principal behind a bearer token or session id, and its CSRF token."""
        key = _digest(secret)
        # Cached per kind: a bearer token must not pass as a session cookie (which
        # skips nothing, but has CSRF) nor a session id as a bearer token.
        ckey = f"{kind}:{key}"
        now = self.clock()
        hit = self._cache.get(ckey)
        if hit is not None and time.monotonic() - hit[0] < CACHE_TTL_S and hit[2] > now:
            return hit[1], hit[3]
        async with self.db.session() as s:
            row = (
                await s.execute(
                    select(TokenRow, UserRow)
                    .join(UserRow, UserRow.id == TokenRow.user_id)
                    .where(TokenRow.token_hash == key, TokenRow.kind == kind)
                )
            ).first()
        if row is None:
            raise AuthError("登录已失效，请重新登录", error_id="not-authenticated")
        token, user = row
        if (
            token.revoked
            or token.expires_at <= now
            or not user.active
            or (user.demo and not self.demo_allowed)
            or _unitless(user)
        ):
            self._cache.pop(ckey, None)
            raise AuthError("登录已失效，请重新登录", error_id="not-authenticated")
        principal = self._principal(user, kind)
        if len(self._cache) >= _CACHE_MAX:
            self._cache.clear()
        self._cache[ckey] = (time.monotonic(), principal, token.expires_at, token.csrf_token)
        return principal, token.csrf_token

    def forget_cached(self) -> None:
        """Drop this process's cache of resolved sessions (an account was disabled or its
        password reset); other processes forget within ``CACHE_TTL_S``."""
        self._cache.clear()

    async def revoke(self, secret: str) -> None:
        key = _digest(secret)
        for kind in ("bearer", "session"):
            self._cache.pop(f"{kind}:{key}", None)
        async with self.db.session() as s:
            await s.execute(update(TokenRow).where(TokenRow.token_hash == key).values(revoked=True))

    async def unlock(self, username: str, *, actor: str, address: str | None = None) -> bool:
        """Clear an account's login failures (an admin, after checking who it is)."""
        cleared = await self.throttle.unlock(username) if self.throttle is not None else False
        await self.audit(actor, "login.unlock", target=username[:100], address=address)
        return cleared

    @staticmethod
    def csrf_ok(expected: str | None, given: str | None) -> bool:
        return bool(expected and given and hmac.compare_digest(expected, given))

    async def audit(
        self,
        actor: str,
        action: str,
        *,
        target: str | None = None,
        address: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        async with self.db.session() as s:
            await auditlog.append(
                s,
                at=self.clock(),
                actor=actor,
                action=action,
                target=target,
                address=address,
                details=details,
            )

    async def create_user(
        self,
        username: str,
        password: str,
        role: Role,
        display_name: str,
        *,
        unit_id: int | None = None,
        demo: bool = False,
    ) -> int:
        if len(password) < 8 and not demo:
            raise InvalidInput("password must have at least 8 characters", error_id="weak-password")
        if role in UNIT_SCOPED and unit_id is None:
            # A missing unit would read as "no filter": every unit's instructions.
            raise InvalidInput("unit staff need a unit", error_id="unit-required")
        async with self.db.session() as s:
            if await s.scalar(select(UserRow.id).where(UserRow.username == username)):
                raise InvalidInput(f"user {username} exists", error_id="user-exists")
            user = UserRow(
                username=username,
                password_hash=hash_password(password),
                role=role.value,
                display_name=display_name,
                unit_id=unit_id,
                demo=demo,
                active=True,
                created_at=self.clock(),
            )
            s.add(user)
            await s.flush()
            return user.id
