"""Signing in: the principal of a token, login with throttling and a second factor, token pairs,
revocation, password change. Services never commit: the request or the job owns the transaction."""

import math
import secrets
from datetime import datetime, timedelta

import anyio
import anyio.to_thread
import pyotp
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.config import Settings
from expertnet.core import audit
from expertnet.core.auth import Principal
from expertnet.core.errors import FieldError, TooManyRequests, Unauthorized, field_error
from expertnet.core.security import (
    ACCESS,
    REFRESH,
    InvalidToken,
    decode_token,
    decode_totp_setup_token,
    hash_password,
    issue_token,
    issue_totp_setup_token,
    verify_password,
)
from expertnet.db import keep, utcnow
from expertnet.members import recovery, repository
from expertnet.members.models import LoginAttempt, Member, RefreshToken, VettingStatus
from expertnet.members.schemas import TokenOut, TotpSetupOut
from expertnet.members.service import check_password, get_member
from expertnet.core.models import pk


# Password hashing is CPU-heavy (argon2id, 64 MiB): run it in threads (argon2 releases the GIL), a few
# at a time, so sign-ins never stall the event loop and a burst of them cannot exhaust memory.
_HASHING = anyio.CapacityLimiter(4)


async def _verify(stored_hash: str | None, password: str) -> tuple[bool, str | None]:
    return await anyio.to_thread.run_sync(verify_password, stored_hash, password, limiter=_HASHING)


async def _hash(password: str) -> str:
    return await anyio.to_thread.run_sync(hash_password, password, limiter=_HASHING)


def principal_of(member: Member) -> Principal:
    return Principal(
        id=pk(member),
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


async def load_principal(session: AsyncSession, member_id: int) -> Principal | None:
    """The auth middleware's loader (wired in app.py): who a verified token speaks for, now."""
    member = await repository.get(session, member_id)
    return principal_of(member) if member is not None else None


async def issue_pair(session: AsyncSession, settings: Settings, member: Member, family: str | None = None) -> TokenOut:
    """An access token and a refresh token; the refresh token is recorded (one use, then rotated)."""
    now = utcnow()
    jti, family = secrets.token_hex(16), family or secrets.token_hex(16)
    await repository.forget_expired_refresh_tokens(session, pk(member), now)
    session.add(
        RefreshToken(
            jti=jti, member_id=pk(member), family=family, expires_at=now + timedelta(days=settings.refresh_token_days)
        )
    )
    return TokenOut(
        access_token=issue_access(settings, member),
        refresh_token=issue_token(settings, pk(member), member.token_version, REFRESH, jti=jti, family=family),
        expires_in=settings.access_token_minutes * 60,
    )


def issue_access(settings: Settings, member: Member) -> str:
    return issue_token(settings, pk(member), member.token_version, ACCESS)


GENERIC_FAILURE = "wrong e-mail address or password"


def retry_after(settings: Settings, failures: int, last: datetime | None, now: datetime) -> int:
    """Seconds to wait before the next attempt: none for the first login_max_failures failures of
    the window, then 1, 2, 4... up to login_max_delay_seconds after the last failure. A progressive
    delay, not a lock: someone who knows an address can slow its owner down, never shut them out."""
    if failures < settings.login_max_failures or last is None:
        return 0
    delay = min(2 ** min(failures - settings.login_max_failures, 30), settings.login_max_delay_seconds)
    return max(0, math.ceil(delay - (now - last).total_seconds()))


async def _throttle(session: AsyncSession, settings: Settings, email: str, ip: str) -> None:
    now = utcnow()
    since = now - timedelta(seconds=settings.login_window_seconds)
    failures, last = await repository.failures_of(session, email, since)
    wait = retry_after(settings, failures, last, now)
    if wait:
        raise TooManyRequests(f"too many failed sign-ins for this account; try again in {wait} s")
    if ip and await repository.failed_logins_since(session, since, ip=ip) >= settings.login_max_failures_per_ip:
        raise TooManyRequests("too many failed logins from this address; try again later")


async def login(
    session: AsyncSession, settings: Settings, email: str, password: str, totp_code: str | None, ip: str
) -> tuple[TokenOut, Member]:
    """Tokens for a right password (and second-factor code). Every attempt is recorded, and a
    failed one is kept past the rollback of the error it raises, so that throttling counts it.
    Every failure gets the same answer: unknown address, wrong password, or an account that is
    rejected or suspended (only a right password on an active account learns that a code is due)."""
    email = email.lower()
    await _throttle(session, settings, email, ip)
    member = await repository.by_email(session, email)
    stored, member_id = (member.password_hash, member.id) if member is not None else (None, None)
    # End the read-only transaction before hashing: no connection (on SQLite, no write lock) is held
    # while argon2 works, so concurrent sign-ins do not queue behind one another. Nothing is written yet.
    await session.rollback()
    ok, new_hash = await _verify(stored, password)
    member = await repository.get(session, member_id) if member_id is not None else None
    active = member is not None and member.vetting_status not in (VettingStatus.rejected, VettingStatus.suspended)
    if (
        ok
        and active
        and member is not None
        and member.totp_secret
        and not await _second_factor(session, member, totp_code, ip)
    ):
        await _attempt(session, email, ip, success=False)
        reason = "missing or invalid second-factor code (or recovery code)"
        raise Unauthorized(f"totp_code: {reason}", [FieldError("totp_code", reason)])
    await _attempt(session, email, ip, success=ok and active)
    if not (ok and active) or member is None:  # active implies a member
        raise Unauthorized(GENERIC_FAILURE)
    if new_hash:
        member.password_hash = new_hash
    await audit.record(session, "member.login", actor_id=pk(member), object_type="member", object_id=pk(member), ip=ip)
    return await issue_pair(session, settings, member), member


async def _attempt(session: AsyncSession, email: str, ip: str, *, success: bool) -> None:
    async def write(s: AsyncSession) -> None:
        s.add(LoginAttempt(email=email, ip=ip, success=success))

    await keep(session, write)


async def _second_factor(session: AsyncSession, member: Member, code: str | None, ip: str) -> bool:
    """The authenticator's current code, or else one unused recovery code (used up now)."""
    return _check_totp(member, code) or await recovery.use_at_sign_in(session, member, code, ip)


def _check_totp(member: Member, code: str | None) -> bool:
    if not code or not member.totp_secret:
        return False
    totp = pyotp.TOTP(member.totp_secret)
    now = int(utcnow().timestamp())
    for offset in (-1, 0, 1):
        step = now // 30 + offset
        if member.totp_last_step is not None and step <= member.totp_last_step:
            continue  # a code cannot be used twice
        if totp.at(step * 30) == code.strip():
            member.totp_last_step = step
            return True
    return False


async def refresh(session: AsyncSession, settings: Settings, refresh_token: str) -> TokenOut:
    """Spend a refresh token for a new pair of the same family. A token shown a second time was
    copied (by whoever rotated it first): the whole family and every token of the account end."""
    try:
        claims = decode_token(settings, refresh_token, REFRESH)
    except InvalidToken:
        raise Unauthorized("refresh_token: invalid or expired") from None
    row = await repository.refresh_token(session, claims.jti) if claims.jti else None
    member = await repository.get(session, claims.member_id)
    if row is None or member is None or row.member_id != member.id or row.family != claims.family:
        raise Unauthorized("refresh_token: revoked")
    now = utcnow()
    if not await repository.spend_refresh_token(session, row.jti, now):
        if row.revoked_at is None:  # spent before, not revoked: a replay
            family, member_id = row.family, member.id  # plain values: the kept write runs after a rollback

            async def end_family(s: AsyncSession) -> None:
                await repository.revoke_family(s, family, member_id, now)
                await audit.record(
                    s, "member.refresh_reuse", actor_id=member_id, object_type="member", object_id=member_id
                )

            await keep(session, end_family)
        raise Unauthorized("refresh_token: revoked")
    if member.token_version != claims.token_version:
        raise Unauthorized("refresh_token: revoked")
    if member.vetting_status in (VettingStatus.rejected, VettingStatus.suspended):
        raise Unauthorized(GENERIC_FAILURE)
    return await issue_pair(session, settings, member, family=row.family)


async def revoke_tokens(session: AsyncSession, member_id: int) -> None:
    member = await get_member(session, member_id, for_update=True)
    member.token_version += 1
    member.updated_at = utcnow()


async def change_password(session: AsyncSession, principal: Principal, current: str, new: str) -> None:
    member = await get_member(session, principal.id, for_update=True)
    ok, _ = await _verify(member.password_hash, current)
    if not ok:
        raise field_error("current_password", "is wrong")
    check_password(new, member.email, "new_password")
    member.password_hash = await _hash(new)
    member.token_version += 1  # every older token stops working
    member.updated_at = utcnow()
    await audit.record(
        session, "member.password_change", actor_id=pk(member), object_type="member", object_id=pk(member)
    )


async def reauthenticate(
    session: AsyncSession, settings: Settings, member: Member, password: str | None, code: str | None, ip: str
) -> None:
    """Prove it is the member, not just their (possibly stolen) access token: the password, or the
    current second-factor code. Failures count towards the account's sign-in delay."""
    await _throttle(session, settings, member.email, ip)
    if code and member.totp_secret and _check_totp(member, code):
        return
    if password and (await _verify(member.password_hash, password))[0]:
        return
    await _attempt(session, member.email, ip, success=False)
    raise field_error(
        "password", "re-enter your password (or a current second-factor code) to change the second factor"
    )


async def totp_setup(
    session: AsyncSession,
    settings: Settings,
    principal: Principal,
    password: str | None,
    code: str | None,
    ip: str = "",
) -> TotpSetupOut:
    """A new secret for an authenticator app; it takes effect only once a code from it is shown."""
    member = await get_member(session, principal.id)
    await reauthenticate(session, settings, member, password, code, ip)
    secret = pyotp.random_base32()
    uri = provisioning_uri(secret, principal.email)
    return TotpSetupOut(
        secret=secret, provisioning_uri=uri, setup_token=issue_totp_setup_token(settings, principal.id, secret)
    )


def provisioning_uri(secret: str, email: str) -> str:
    """The otpauth:// address authenticator apps read (as a QR code, or pasted)."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name="expertnet")


async def totp_enable(
    session: AsyncSession, settings: Settings, principal: Principal, setup_token: str, code: str
) -> None:
    try:
        secret = decode_totp_setup_token(settings, setup_token, principal.id)
    except InvalidToken:
        raise field_error("setup_token", "invalid or expired; start the set-up again") from None
    member = await get_member(session, principal.id, for_update=True)
    member.totp_secret = secret
    member.totp_last_step = None
    if not _check_totp(member, code):
        raise field_error("code", "does not match the authenticator; check the device clock")
    member.token_version += 1  # sessions opened without the second factor end here
    member.updated_at = utcnow()
    await audit.record(session, "member.totp_enabled", actor_id=pk(member), object_type="member", object_id=pk(member))


async def totp_disable(
    session: AsyncSession,
    settings: Settings,
    principal: Principal,
    password: str | None,
    code: str | None,
    ip: str = "",
) -> None:
    member = await get_member(session, principal.id, for_update=True)
    if not member.totp_secret:
        raise field_error("code", "the second factor is not on")
    await reauthenticate(session, settings, member, password, code, ip)
    member.totp_secret = None
    member.totp_last_step = None
    member.token_version += 1
    member.updated_at = utcnow()
    await recovery.forget_codes(session, pk(member))
    await audit.record(
        session, "member.totp_disabled", actor_id=pk(member), object_type="member", object_id=pk(member), ip=ip
    )
