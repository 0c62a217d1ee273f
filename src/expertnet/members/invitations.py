"""Invitations: an admin (or the operator, from the CLI) invites a member who has no password yet
(an imported expert, an official the secretariat adds) by a single-use e-mailed link; the member
opens it, chooses a password (an admin also enrols the second factor) and is signed in.

Services never commit: the request or the command owns the transaction.
"""

from collections.abc import Callable
from datetime import timedelta

import pyotp
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from expertnet.config import Settings
from expertnet.core import audit, outbox
from expertnet.core.auth import Principal
from expertnet.core.errors import Conflict, field_error
from expertnet.core.models import pk
from expertnet.core.security import InvalidToken, decode_totp_setup_token, issue_totp_setup_token
from expertnet.db import utcnow
from expertnet.members import repository, service, tokens
from expertnet.members.auth import _check_totp, _hash, issue_pair
from expertnet.members.models import AccountToken, Member, Role, TokenPurpose, VettingDecision, VettingStatus
from expertnet.members.schemas import InvitationOut, InviteNewIn, MemberOut, TokenOut, TotpSetupOut
from expertnet.members.service import check_password, get_member

INVITE_CHUNK = 500


def _invitable(member: Member) -> None:
    if member.password_hash is not None:
        raise Conflict('member: already has a password; they sign in, or use "Forgot password?"')
    if member.vetting_status in (VettingStatus.rejected, VettingStatus.suspended):
        raise Conflict(f"member: cannot invite a member whose status is {member.vetting_status}")


async def invite(
    session: AsyncSession, settings: Settings, admin_id: int | None, member_id: int, ip: str = ""
) -> MemberOut:
    """Invite (or invite again: a new link, the previous one stops working) one member."""
    member = await get_member(session, member_id, for_update=True)
    _invitable(member)
    resent = member.invited_at is not None
    await tokens.issue(session, settings, member, TokenPurpose.invitation, created_by=admin_id)
    member.invited_at = utcnow()
    member.updated_at = member.invited_at
    await audit.record(
        session,
        "member.invite_resent" if resent else "member.invite",
        actor_id=admin_id,
        object_type="member",
        object_id=pk(member),
        ip=ip,
        detail={"valid_hours": settings.invitation_hours},
    )
    return await read(session, member)


async def invite_new(
    session: AsyncSession, settings: Settings, admin: Principal, data: InviteNewIn, ip: str = ""
) -> MemberOut:
    """An account for someone the secretariat invites (vetted by that admin), and its invitation."""
    email = data.email.lower()
    if await repository.email_taken(session, email):
        raise Conflict("email: an account with this e-mail address already exists; invite that member instead")
    member = Member(
        **data.model_dump(exclude={"email"}),
        email=email,
        vetting_status=VettingStatus.approved,
        vetted_until=utcnow().replace(microsecond=0) + timedelta(days=30 * settings.default_vetting_months),
    )
    session.add(member)
    await session.flush()
    session.add(
        VettingDecision(
            member_id=pk(member),
            admin_id=admin.id,
            decision="approved",
            reason="invited by the secretariat",
            vetted_until=member.vetted_until,
        )
    )
    await audit.record(session, "member.create_invited", actor_id=admin.id, object_type="member", object_id=pk(member))
    return await invite(session, settings, admin.id, pk(member), ip)


async def count_uninvited(session: AsyncSession) -> int:
    """Imported experts without a password and without an open invitation."""
    return await repository.count_uninvited_experts(session, utcnow())


async def invite_imported_chunk(
    session: AsyncSession, settings: Settings, admin_id: int | None, after_id: int = 0, limit: int = INVITE_CHUNK
) -> tuple[int, int]:
    """Invite the next `limit` imported experts (by id, after `after_id`) who have no password and
    no open invitation: one statement per table for the chunk. Returns (invited, last id)."""
    now = utcnow()
    batch = await repository.uninvited_experts(session, now, after_id, limit)
    if not batch:
        return 0, after_id
    expires = now + tokens.lifetime(settings, TokenPurpose.invitation)
    nonces = {pk(m): tokens.new_nonce() for m in batch}
    hashes = {pk(m): tokens.hash_secret(tokens.derive_secret(settings, nonces[pk(m)])) for m in batch}
    await repository.insert_tokens(
        session,
        [
            {
                "member_id": member_id,
                "purpose": TokenPurpose.invitation.value,
                "token_hash": token_hash,
                "created_by": admin_id,
                "created_at": now,
                "expires_at": expires,
                "used_at": None,
                "revoked_at": None,
                "sent_at": None,
            }
            for member_id, token_hash in hashes.items()
        ],
    )
    ids = await repository.token_ids_by_hash(session, list(hashes.values()))
    await outbox.emit_many(
        session,
        tokens.ACCOUNT_MAIL,
        "invitations",
        [{"token_id": ids[hashes[member_id]], "nonce": nonce} for member_id, nonce in nonces.items()],
    )
    await repository.update_many(
        session, [{"id": member_id, "invited_at": now, "updated_at": now} for member_id in hashes]
    )
    last = pk(batch[-1])
    await audit.record(
        session,
        "member.invite_imported",
        actor_id=admin_id,
        object_type="member",
        detail={"invited": len(batch), "first_id": pk(batch[0]), "last_id": last},
    )
    return len(batch), last


async def invite_all_imported(
    session: AsyncSession, settings: Settings, admin_id: int | None, progress: Callable[[int], None] | None = None
) -> int:
    """Every imported expert without a password and without an open invitation, in one unit of work."""
    total, after = 0, 0
    while True:
        count, after = await invite_imported_chunk(session, settings, admin_id, after)
        if not count:
            return total
        total += count
        if progress is not None:
            progress(count)


async def revoke(session: AsyncSession, admin_id: int, member_id: int, ip: str = "") -> MemberOut:
    member = await get_member(session, member_id, for_update=True)
    if not await tokens.revoke_live(session, pk(member), TokenPurpose.invitation):
        raise Conflict("member: has no open invitation")
    await audit.record(
        session, "member.invite_revoked", actor_id=admin_id, object_type="member", object_id=pk(member), ip=ip
    )
    return await read(session, member)


async def read(session: AsyncSession, member: Member) -> MemberOut:
    return await service.read(session, pk(member))


# --- the invited member ------------------------------------------------------------------------


async def inspect(
    session: AsyncSession, settings: Settings, secret: str, setup_token: str | None = None
) -> InvitationOut:
    """What the link is for (it stays unused); an admin's second-factor secret to enrol (a new
    one, or the one of a still valid `setup_token` from an earlier try)."""
    token, member = await tokens.live(session, TokenPurpose.invitation, secret)
    totp = None
    if member.role == Role.admin:
        totp_secret = pyotp.random_base32()
        if setup_token:
            try:
                totp_secret = decode_totp_setup_token(settings, setup_token, pk(member))
            except InvalidToken:
                pass
        totp = TotpSetupOut(
            secret=totp_secret,
            provisioning_uri=pyotp.TOTP(totp_secret).provisioning_uri(name=member.email, issuer_name="expertnet"),
            setup_token=issue_totp_setup_token(settings, pk(member), totp_secret),
        )
    return InvitationOut(
        email=member.email,
        full_name=member.full_name,
        role=member.role,
        expires_at=token.expires_at,
        totp_required=member.role == Role.admin,
        totp=totp,
    )


async def accept(
    session: AsyncSession,
    settings: Settings,
    secret: str,
    password: str,
    setup_token: str | None,
    totp_code: str | None,
    ip: str = "",
) -> tuple[TokenOut, Member]:
    """Set the password (and, for an admin, the second factor) and sign in. The link is spent only
    when everything is right, so a typo in the password does not cost the member the link."""
    _, member = await tokens.live(session, TokenPurpose.invitation, secret)
    check_password(password, member.email)
    if member.role == Role.admin:
        if not setup_token or not totp_code:
            raise field_error("totp_code", "enter the code your authenticator app shows for the new secret")
        try:
            member.totp_secret = decode_totp_setup_token(settings, setup_token, pk(member))
        except InvalidToken:
            raise field_error("setup_token", "invalid or expired; open the invitation link again") from None
        member.totp_last_step = None
        if not _check_totp(member, totp_code):
            raise field_error("totp_code", "does not match the authenticator; check the device clock")
    await tokens.spend(session, TokenPurpose.invitation, secret)
    now = utcnow()
    member.password_hash = await _hash(password)
    member.joined_at = now
    member.email_confirmed_at = member.email_confirmed_at or now  # the link reached the address
    member.token_version += 1
    member.version += 1
    member.updated_at = now
    await session.execute(
        update(AccountToken)
        .where(col(AccountToken.member_id) == pk(member), col(AccountToken.used_at).is_(None))
        .where(col(AccountToken.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    await audit.record(session, "member.join", actor_id=pk(member), object_type="member", object_id=pk(member), ip=ip)
    return await issue_pair(session, settings, member), member
