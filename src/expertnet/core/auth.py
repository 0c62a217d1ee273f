"""Authentication once, in middleware; authorization by one guard that denies by default.

API routes (`/api/...`) authenticate only by `Authorization: Bearer`, pages only by the HttpOnly
cookie, so CSRF protection can exempt exactly the API.
Every route declares who may call it in `opt={"access": ...}`; a route without it is refused.

The kit knows the signed-in person only as a `Principal`; the `members` package loads it (app.py
hands its loader to the middleware), so the kit imports no domain.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.types import ASGIApp
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.core.security import ACCESS, InvalidToken, decode_token
from expertnet.db import utcnow

COOKIE_NAME = "expertnet_session"

# Access levels a route can declare.
PUBLIC = "public"  # anyone, signed in or not
APPLICANT = "applicant"  # any signed-in account, vetted or not (its own application only)
MEMBER = "member"  # any vetted member
OFFICIAL = "official"  # vetted LE official (or admin)
EXPERT = "expert"  # vetted expert
ADMIN = "admin"  # vetted admin
LEVELS = {PUBLIC, APPLICANT, MEMBER, OFFICIAL, EXPERT, ADMIN}

# Role and vetting values the guard decides on: those of members.models.Role and VettingStatus,
# named here by value (tests/core/test_auth_kit.py keeps the two in step).
ROLE_ADMIN, ROLE_OFFICIAL, ROLE_EXPERT = "admin", "le_official", "expert"
APPROVED = "approved"


def access(level: str, *, read_only: bool = False) -> dict:
    """`opt=access(OFFICIAL)` on a route handler or controller. `read_only=True` gives the handler a
    unit of work that only reads (on SQLite it does not wait for writers; a write raises)."""
    assert level in LEVELS, level
    return {"access": level, "read_only": True} if read_only else {"access": level}


@dataclass(frozen=True)
class Principal:
    id: int
    email: str
    full_name: str
    role: str
    vetting_status: str
    vetted_until: datetime | None
    token_version: int
    organisation: str
    ui_language: str
    has_totp: bool = False
    time_zone: str = ""

    @property
    def is_vetted(self) -> bool:
        if self.vetting_status != APPROVED:
            return False
        return self.vetted_until is None or self.vetted_until > utcnow()

    @property
    def is_admin(self) -> bool:
        return self.role == ROLE_ADMIN and self.is_vetted


# The principal of a member id, or None when there is no such member (members.auth.load_principal).
LoadPrincipal = Callable[[AsyncSession, int], Awaitable[Principal | None]]


def is_api_path(path: str) -> bool:
    return path.startswith("/api/")


class AuthMiddleware(AbstractAuthenticationMiddleware):
    def __init__(self, app: ASGIApp, *, load_principal: LoadPrincipal, **kwargs) -> None:
        super().__init__(app, **kwargs)
        self.load_principal = load_principal

    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        state = connection.app.state
        api = is_api_path(connection.scope["path"])
        token: str | None = None
        if api:
            header = connection.headers.get("authorization", "")
            if header:
                scheme, _, value = header.partition(" ")
                if scheme.lower() != "bearer" or not value.strip():
                    raise NotAuthorizedException("Authorization: expected a Bearer token")
                token = value.strip()
        else:
            token = connection.cookies.get(COOKIE_NAME) or None
        if not token:
            return AuthenticationResult(user=None, auth=None)
        try:
            claims = decode_token(state.settings, token, ACCESS)
        except InvalidToken:
            if api:
                raise NotAuthorizedException("invalid or expired token") from None
            return AuthenticationResult(user=None, auth="stale-cookie")
        async with state.db.read_sessionmaker() as session:
            principal = await self.load_principal(session, claims.member_id)
        if principal is None or principal.token_version != claims.token_version:
            if api:
                raise NotAuthorizedException("token revoked")
            return AuthenticationResult(user=None, auth="stale-cookie")
        return AuthenticationResult(user=principal, auth=claims)


def allowed(principal: Principal | None, level: str) -> bool:
    if level == PUBLIC:
        return True
    if principal is None:
        return False
    if level == APPLICANT:
        return True
    if not principal.is_vetted:
        return False
    if level == MEMBER:
        return True
    if level == ADMIN:
        return principal.role == ROLE_ADMIN
    if level == OFFICIAL:
        return principal.role in (ROLE_OFFICIAL, ROLE_ADMIN)
    if level == EXPERT:
        return principal.role == ROLE_EXPERT
    return False


def authorize(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """App-level guard. Deny by default: a handler that declares no access level is refused."""
    level = handler.opt.get("access")
    if level not in LEVELS:
        raise PermissionDeniedException("route has no access policy")
    principal = connection.scope.get("user")
    if allowed(principal, level):
        if level == ADMIN and connection.app.state.settings.require_admin_totp and not principal.has_totp:
            raise PermissionDeniedException("admins must turn on two-factor login first (POST /api/v1/auth/totp/setup)")
        return
    if principal is None:
        raise NotAuthorizedException("authentication required")
    if level != APPLICANT and not principal.is_vetted:
        raise PermissionDeniedException("your membership is not approved (or its vetting has expired)")
    raise PermissionDeniedException("your role may not do this")
