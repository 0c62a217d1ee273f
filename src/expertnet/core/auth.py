"""Authentication once, in middleware; authorization by one guard that denies by default.

API routes (`/api/...`) authenticate only by `Authorization: Bearer`, pages only by the HttpOnly
cookie, so CSRF protection can exempt exactly the API.
Every route declares who may call it in `opt={"access": ...}`; a route without it is refused.
"""
from dataclasses import dataclass
from datetime import datetime

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from sqlalchemy import select

from expertnet.core.security import ACCESS, InvalidToken, decode_token
from expertnet.db import utcnow
from expertnet.members.models import Member, Role, VettingStatus

COOKIE_NAME = "expertnet_session"

# Access levels a route can declare.
PUBLIC = "public"  # anyone, signed in or not
APPLICANT = "applicant"  # any signed-in account, vetted or not (its own application only)
MEMBER = "member"  # any vetted member
OFFICIAL = "official"  # vetted LE official (or admin)
EXPERT = "expert"  # vetted expert
ADMIN = "admin"  # vetted admin
LEVELS = {PUBLIC, APPLICANT, MEMBER, OFFICIAL, EXPERT, ADMIN}


def access(level: str) -> dict:
    """`opt=access(OFFICIAL)` on a route handler or controller."""
    assert level in LEVELS, level
    return {"access": level}


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

    @property
    def is_vetted(self) -> bool:
        if self.vetting_status != VettingStatus.approved:
            return False
        return self.vetted_until is None or self.vetted_until > utcnow()

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin and self.is_vetted

    @classmethod
    def of(cls, member: Member) -> "Principal":
        return cls(
            id=member.id,
            email=member.email,
            full_name=member.full_name,
            role=member.role,
            vetting_status=member.vetting_status,
            vetted_until=member.vetted_until,
            token_version=member.token_version,
            organisation=member.organisation,
            ui_language=member.ui_language,
            has_totp=bool(member.totp_secret),
        )


def is_api_path(path: str) -> bool:
    return path.startswith("/api/")


class AuthMiddleware(AbstractAuthenticationMiddleware):
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
        async with state.db.sessionmaker() as session:
            member = (await session.execute(select(Member).where(Member.id == claims.member_id))).scalar_one_or_none()
            principal = Principal.of(member) if member is not None else None
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
        return principal.role == Role.admin
    if level == OFFICIAL:
        return principal.role in (Role.le_official, Role.admin)
    if level == EXPERT:
        return principal.role == Role.expert
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
