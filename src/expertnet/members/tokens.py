"""Single-use links sent by e-mail: invitations, password resets, address confirmations.

The database never holds a link's secret, only its SHA-256 (`account_tokens.token_hash`). The
secret is HMAC(server key, nonce) for a random nonce that travels in the outbox event announcing
the mail; the mail handler derives the secret from it, sends the link and then blanks the nonce
from the event. So neither a copy of the database nor the server key alone opens an account, and
after the mail has gone not even both together do.

A token is spent by one conditional UPDATE (used_at IS NULL AND revoked_at IS NULL), so two
requests racing with the same link cannot both win. Issuing a new token of a purpose revokes the
member's older ones of that purpose (a resent invitation kills the previous link).
"""

import hashlib
import hmac
import re
import secrets
from base64 import urlsafe_b64encode
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from expertnet.config import Settings
from expertnet.core import outbox
from expertnet.core.errors import BadRequest, FieldError
from expertnet.core.models import pk
from expertnet.db import affected, utcnow
from expertnet.members import repository
from expertnet.members.models import AccountToken, Member, TokenPurpose

ACCOUNT_MAIL = "account.mail"  # outbox topic: one mail carrying one link (notifications/account_mail.py sends it)
_SECRET = re.compile(r"^[A-Za-z0-9_-]{43}$")
# Where each link leads on the desk (the pages in web/auth.py).
PATHS = {
    TokenPurpose.invitation: "/join/",
    TokenPurpose.reset: "/reset-password/",
    TokenPurpose.confirm: "/confirm-email/",
}
LINK_DEAD = "this link is not valid: it was already used, replaced by a newer one, revoked, or it has expired"


def lifetime(settings: Settings, purpose: str) -> timedelta:
    if purpose == TokenPurpose.invitation:
        return timedelta(hours=settings.invitation_hours)
    if purpose == TokenPurpose.reset:
        return timedelta(minutes=settings.reset_minutes)
    return timedelta(hours=settings.confirmation_hours)


def derive_secret(settings: Settings, nonce: str) -> str:
    key = hmac.new(settings.secret_key.encode(), b"expertnet.account-link.v1", hashlib.sha256).digest()
    digest = hmac.new(key, nonce.encode(), hashlib.sha256).digest()
    return urlsafe_b64encode(digest).decode().rstrip("=")


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def link(settings: Settings, purpose: str, secret: str) -> str:
    return settings.base_url.rstrip("/") + PATHS[TokenPurpose(purpose)] + secret


def new_nonce() -> str:
    return secrets.token_hex(16)


async def revoke_live(session: AsyncSession, member_id: int, purpose: str, now: datetime | None = None) -> int:
    """End every unspent token of this member and purpose; returns how many there were."""
    result = await session.execute(
        update(AccountToken)
        .where(
            col(AccountToken.member_id) == member_id,
            col(AccountToken.purpose) == purpose,
            col(AccountToken.used_at).is_(None),
            col(AccountToken.revoked_at).is_(None),
        )
        .values(revoked_at=now or utcnow())
    )
    return int(affected(result) or 0)


async def issue(
    session: AsyncSession,
    settings: Settings,
    member: Member,
    purpose: str,
    *,
    created_by: int | None = None,
    nonce: str | None = None,
) -> AccountToken:
    """A new token (older ones of the purpose revoked) and the outbox event that mails its link,
    both in the caller's transaction."""
    now = utcnow()
    nonce = nonce or new_nonce()
    await revoke_live(session, pk(member), purpose, now)
    token = AccountToken(
        member_id=pk(member),
        purpose=purpose,
        token_hash=hash_secret(derive_secret(settings, nonce)),
        created_by=created_by,
        created_at=now,
        expires_at=now + lifetime(settings, purpose),
    )
    session.add(token)
    await session.flush()
    outbox.emit(session, ACCOUNT_MAIL, pk(token), {"token_id": pk(token), "nonce": nonce})
    return token


def _dead() -> BadRequest:
    return BadRequest(f"token: {LINK_DEAD}", [FieldError("token", LINK_DEAD)])


async def live(session: AsyncSession, purpose: str, secret: str) -> tuple[AccountToken, Member]:
    """The unspent, unexpired token of this purpose behind a link's secret, and its member; else 400."""
    if not _SECRET.match(secret or ""):
        raise _dead()
    token = await repository.token_by_hash(session, hash_secret(secret))
    if (
        token is None
        or token.purpose != purpose
        or token.used_at is not None
        or token.revoked_at is not None
        or token.expires_at <= utcnow()
    ):
        raise _dead()
    member = await repository.get(session, token.member_id, for_update=True)
    if member is None:
        raise _dead()
    return token, member


async def spend(session: AsyncSession, purpose: str, secret: str) -> tuple[AccountToken, Member]:
    """Like `live`, and the token is used up: the conditional UPDATE lets only one request win."""
    token, member = await live(session, purpose, secret)
    now = utcnow()
    result = await session.execute(
        update(AccountToken)
        .where(
            col(AccountToken.id) == token.id,
            col(AccountToken.used_at).is_(None),
            col(AccountToken.revoked_at).is_(None),
        )
        .values(used_at=now)
    )
    if affected(result) != 1:
        raise _dead()
    token.used_at = now
    return token, member
