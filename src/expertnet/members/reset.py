"""Password reset by e-mail, and confirmation of a self-registered applicant's address.

A reset request does the same work whatever the address: it is counted for the rate limit and
one outbox event is written. Only the mail handler (notifications/account_mail.py), after the answer has gone,
looks the address up and, for an active account, creates the single-use token and mails the
link. So neither the answer nor its timing tells whether an address has an account.

Services never commit: the request owns the transaction.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.config import Settings
from expertnet.core import audit, outbox
from expertnet.core.auth import Principal
from expertnet.core.errors import Conflict
from expertnet.core.models import pk
from expertnet.db import utcnow
from expertnet.members import repository, tokens
from expertnet.members.auth import _hash
from expertnet.members.models import AccountToken, Member, TokenPurpose, VettingStatus
from expertnet.members.service import check_password, get_member, limit

RESET_REQUESTED = (
    "If an account uses this address, a link to choose a new password is on its way by e-mail. "
    "It works once and for a limited time."
)
CONFIRMED = "The e-mail address has been confirmed. The secretariat now reviews the application."


async def request_reset(session: AsyncSession, settings: Settings, email: str, ip: str = "") -> None:
    email = email.lower()
    await limit(
        session,
        "reset",
        ip=ip,
        email=email,
        max_per_ip=settings.reset_max_per_ip,
        max_per_email=settings.reset_max_per_address,
        window_seconds=settings.reset_window_seconds,
        message="too many password-reset requests; try again later",
    )
    outbox.emit(session, tokens.ACCOUNT_MAIL, "reset", {"reset_for": email, "nonce": tokens.new_nonce()})


async def reset_token_for(session: AsyncSession, settings: Settings, email: str, nonce: str) -> AccountToken | None:
    """The mail handler's step: the reset token of an active account with this address (made once
    per request: a retried event finds the token it made before), or None."""
    token_hash = tokens.hash_secret(tokens.derive_secret(settings, nonce))
    existing = await repository.token_by_hash(session, token_hash)
    if existing is not None:
        return existing
    member = await repository.by_email(session, email)
    if member is None or member.vetting_status in (VettingStatus.rejected, VettingStatus.suspended):
        return None
    now = utcnow()
    await tokens.revoke_live(session, pk(member), TokenPurpose.reset, now)
    token = AccountToken(
        member_id=pk(member),
        purpose=TokenPurpose.reset,
        token_hash=token_hash,
        created_at=now,
        expires_at=now + tokens.lifetime(settings, TokenPurpose.reset),
    )
    session.add(token)
    await session.flush()
    await audit.record(session, "member.reset_link", actor_id=None, object_type="member", object_id=pk(member))
    return token


async def reset_password(session: AsyncSession, secret: str, new_password: str, ip: str = "") -> Member:
    """A new password from a reset link. Every session and refresh token of the account ends."""
    _, member = await tokens.live(session, TokenPurpose.reset, secret)
    check_password(new_password, member.email, "new_password")
    await tokens.spend(session, TokenPurpose.reset, secret)
    now = utcnow()
    first = member.password_hash is None
    member.password_hash = await _hash(new_password)
    member.token_version += 1  # every access token and session cookie stops working
    member.email_confirmed_at = member.email_confirmed_at or now
    if first:
        member.joined_at = now
    member.version += 1
    member.updated_at = now
    await repository.revoke_refresh_tokens(session, pk(member), now)
    await tokens.revoke_live(session, pk(member), TokenPurpose.reset, now)
    await audit.record(
        session, "member.password_reset", actor_id=pk(member), object_type="member", object_id=pk(member), ip=ip
    )
    return member


# --- address confirmation ------------------------------------------------------------------------


async def confirm_email(session: AsyncSession, secret: str, ip: str = "") -> Member:
    _, member = await tokens.spend(session, TokenPurpose.confirm, secret)
    if member.email_confirmed_at is None:
        member.email_confirmed_at = utcnow()
        member.updated_at = member.email_confirmed_at
        await audit.record(
            session, "member.email_confirmed", actor_id=pk(member), object_type="member", object_id=pk(member), ip=ip
        )
    return member


async def resend_confirmation(session: AsyncSession, settings: Settings, principal: Principal, ip: str = "") -> None:
    member = await get_member(session, principal.id, for_update=True)
    if member.email_confirmed_at is not None:
        raise Conflict("email: the address is already confirmed")
    await limit(
        session,
        "confirm",
        ip=ip,
        email=member.email,
        max_per_ip=settings.reset_max_per_ip,
        max_per_email=settings.reset_max_per_address,
        window_seconds=settings.reset_window_seconds,
        message="too many confirmation links asked for; try again later",
    )
    await tokens.issue(session, settings, member, TokenPurpose.confirm)
