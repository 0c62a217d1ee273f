"""Accounts, login, vetting. Services never commit: the request or the job owns the transaction."""
from datetime import timedelta
from uuid import uuid4

import pyotp
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.config import Settings
from expertnet.core import audit, outbox
from expertnet.core.auth import Principal
from expertnet.core.errors import Conflict, FieldError, Forbidden, NotFound, TooManyRequests, Unauthorized, field_error
from expertnet.core.security import (
    ACCESS,
    REFRESH,
    InvalidToken,
    decode_token,
    hash_password,
    issue_token,
    password_problem,
    verify_password,
)
from expertnet.db import keep, utcnow
from expertnet.experts.models import Expert
from expertnet.members.models import LoginAttempt, Member, Role, VettingDecision, VettingStatus
from expertnet.members.schemas import (
    ApplicationUpdate,
    ApproveIn,
    MemberOut,
    RegisterIn,
    RevetIn,
    TokenOut,
)


def is_current(member: Member) -> bool:
    if member.vetting_status != VettingStatus.approved:
        return False
    return member.vetted_until is None or member.vetted_until > utcnow()


def to_out(member: Member, expert_id: int | None = None) -> MemberOut:
    return MemberOut(
        id=member.id,
        email=member.email,
        full_name=member.full_name,
        role=member.role,
        vetting_status=member.vetting_status,
        vetted_until=member.vetted_until,
        vetting_current=is_current(member),
        organisation=member.organisation,
        position=member.position,
        country=member.country,
        languages=member.languages,
        application_statement=member.application_statement,
        referee=member.referee,
        application_submitted_at=member.application_submitted_at,
        ui_language=member.ui_language,
        created_at=member.created_at,
        version=member.version,
        expert_id=expert_id,
    )


async def get_member(session: AsyncSession, member_id: int, *, for_update: bool = False) -> Member:
    query = select(Member).where(Member.id == member_id)
    if for_update:
        query = query.with_for_update()
    member = (await session.execute(query)).scalar_one_or_none()
    if member is None:
        raise NotFound("member not found")
    return member


async def expert_id_of(session: AsyncSession, member_id: int) -> int | None:
    return (await session.execute(select(Expert.id).where(Expert.member_id == member_id))).scalar_one_or_none()


async def member_out(session: AsyncSession, member: Member) -> MemberOut:
    return to_out(member, await expert_id_of(session, member.id) if member.role == Role.expert else None)


def _check_password(password: str, email: str, field: str = "password") -> None:
    problem = password_problem(password, email=email)
    if problem:
        raise field_error(field, problem)


async def register(session: AsyncSession, data: RegisterIn, *, ip: str = "") -> Member:
    email = data.email.lower()
    _check_password(data.password, email)
    if data.role == Role.expert and data.expert is None:
        raise field_error("expert", "experts must describe their expertise (categories at least)")
    exists = (await session.execute(select(Member.id).where(Member.email == email))).scalar_one_or_none()
    if exists is not None:
        raise Conflict("email: an account with this e-mail address already exists")
    now = utcnow()
    member = Member(
        email=email,
        full_name=data.full_name,
        password_hash=hash_password(data.password),
        role=data.role,
        vetting_status=VettingStatus.pending,
        organisation=data.organisation,
        position=data.position,
        country=data.country,
        languages=data.languages,
        application_statement=data.application_statement,
        referee=data.referee,
        application_submitted_at=now,
    )
    session.add(member)
    await session.flush()
    if data.role == Role.expert and data.expert is not None:
        app = data.expert
        expert = Expert(
            member_id=member.id,
            external_id=f"EN-{uuid4().hex[:12].upper()}",
            organisation=data.organisation,
            org_type=app.org_type,
            country=data.country,
            coverage_countries=app.coverage_countries,
            languages=data.languages,
            categories=app.categories,
            specialties=app.specialties,
            bio=app.bio,
            market_ties=app.market_ties,
            market_ties_detail=app.market_ties_detail,
        )
        session.add(expert)
        await session.flush()
        outbox.emit(session, "index.expert", expert.id)
    await audit.record(session, "member.register", actor_id=member.id, object_type="member", object_id=member.id, ip=ip)
    return member


def issue_pair(settings: Settings, member: Member) -> TokenOut:
    return TokenOut(
        access_token=issue_token(settings, member.id, member.token_version, ACCESS),
        refresh_token=issue_token(settings, member.id, member.token_version, REFRESH),
        expires_in=settings.access_token_minutes * 60,
    )


async def _failures_since(session: AsyncSession, column, value: str, since) -> int:
    query = (
        select(func.count())
        .select_from(LoginAttempt)
        .where(column == value, LoginAttempt.success.is_(False), LoginAttempt.at >= since)
    )
    return int((await session.execute(query)).scalar_one())


async def login(
    session: AsyncSession, settings: Settings, email: str, password: str, totp_code: str | None, ip: str
) -> tuple[TokenOut, Member]:
    """Tokens for a right password (and second-factor code). Every attempt is recorded, and a
    failed one is kept past the rollback of the error it raises, so that throttling counts it."""
    email = email.lower()
    since = utcnow() - timedelta(seconds=settings.login_window_seconds)
    if await _failures_since(session, LoginAttempt.email, email, since) >= settings.login_max_failures:
        raise TooManyRequests("too many failed logins for this account; try again later")
    if ip and await _failures_since(session, LoginAttempt.ip, ip, since) >= settings.login_max_failures_per_ip:
        raise TooManyRequests("too many failed logins from this address; try again later")
    member = (await session.execute(select(Member).where(Member.email == email))).scalar_one_or_none()
    ok, new_hash = verify_password(member.password_hash if member else None, password)
    if ok and member is not None and member.totp_secret and not _check_totp(member, totp_code):
        await _attempt(session, email, ip, success=False)
        reason = "missing or invalid second-factor code"
        raise Unauthorized(f"totp_code: {reason}", [FieldError("totp_code", reason)])
    await _attempt(session, email, ip, success=ok)
    if not ok or member is None:
        raise Unauthorized("wrong e-mail address or password")
    if member.vetting_status in (VettingStatus.rejected, VettingStatus.suspended):
        raise Forbidden(f"this account is {member.vetting_status}")
    if new_hash:
        member.password_hash = new_hash
    await audit.record(session, "member.login", actor_id=member.id, object_type="member", object_id=member.id, ip=ip)
    return issue_pair(settings, member), member


async def _attempt(session: AsyncSession, email: str, ip: str, *, success: bool) -> None:
    async def write(s: AsyncSession) -> None:
        s.add(LoginAttempt(email=email, ip=ip, success=success))

    await keep(session, write)


def _check_totp(member: Member, code: str | None) -> bool:
    if not code:
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
    from expertnet.core.errors import Unauthorized

    try:
        claims = decode_token(settings, refresh_token, REFRESH)
    except InvalidToken:
        raise Unauthorized("refresh_token: invalid or expired") from None
    member = (await session.execute(select(Member).where(Member.id == claims.member_id))).scalar_one_or_none()
    if member is None or member.token_version != claims.token_version:
        raise Unauthorized("refresh_token: revoked")
    if member.vetting_status in (VettingStatus.rejected, VettingStatus.suspended):
        raise Unauthorized(f"this account is {member.vetting_status}")
    return issue_pair(settings, member)


async def revoke_tokens(session: AsyncSession, member_id: int) -> None:
    member = await get_member(session, member_id, for_update=True)
    member.token_version += 1
    member.updated_at = utcnow()


async def change_password(session: AsyncSession, principal: Principal, current: str, new: str) -> None:
    member = await get_member(session, principal.id, for_update=True)
    ok, _ = verify_password(member.password_hash, current)
    if not ok:
        raise field_error("current_password", "is wrong")
    _check_password(new, member.email, "new_password")
    member.password_hash = hash_password(new)
    member.token_version += 1  # every older token stops working
    member.updated_at = utcnow()
    await audit.record(session, "member.password_change", actor_id=member.id, object_type="member", object_id=member.id)


APPLICATION_FIELDS = {"full_name", "organisation", "position", "country", "languages", "application_statement", "referee"}


async def update_application(session: AsyncSession, principal: Principal, data: ApplicationUpdate) -> Member:
    member = await get_member(session, principal.id, for_update=True)
    if data.version != member.version:
        raise Conflict("version: the application was changed elsewhere; reload and try again")
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    locked = APPLICATION_FIELDS & changes.keys()
    if locked and member.vetting_status != VettingStatus.pending:
        raise Forbidden(f"{sorted(locked)[0]}: can only be changed while the application is pending")
    for name, value in changes.items():
        setattr(member, name, value)
    member.version += 1
    member.updated_at = utcnow()
    if changes.keys() & {"full_name", "languages"} and member.role == Role.expert:
        expert_id = await expert_id_of(session, member.id)
        if expert_id:
            outbox.emit(session, "index.expert", expert_id)
    return member


# --- vetting (admins) -------------------------------------------------------------------------


async def list_members(
    session: AsyncSession, *, status: str | None, role: str | None, q: str | None, offset: int, limit: int
) -> tuple[list[Member], int]:
    query = select(Member)
    if status:
        query = query.where(Member.vetting_status == status)
    if role:
        query = query.where(Member.role == role)
    if q:
        like = f"%{q.lower()}%"
        query = query.where(or_(func.lower(Member.email).like(like), func.lower(Member.full_name).like(like)))
    total = int((await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one())
    rows = (await session.execute(query.order_by(Member.id).offset(offset).limit(limit))).scalars().all()
    return list(rows), total


async def _decide(
    session: AsyncSession,
    admin: Principal,
    member_id: int,
    decision: str,
    reason: str,
    *,
    allowed_from: set[str],
    new_status: str | None,
    vetted_until=None,
    revoke: bool = False,
    ip: str = "",
) -> Member:
    if member_id == admin.id:
        raise Forbidden("admins cannot decide on their own membership")
    member = await get_member(session, member_id, for_update=True)
    if member.vetting_status not in allowed_from:
        raise Conflict(f"cannot {decision} a member whose status is {member.vetting_status}")
    if new_status:
        member.vetting_status = new_status
    if vetted_until is not None:
        member.vetted_until = vetted_until
    if revoke:
        member.token_version += 1
    member.version += 1
    member.updated_at = utcnow()
    session.add(
        VettingDecision(
            member_id=member.id,
            admin_id=admin.id,
            decision=decision,
            reason=reason,
            vetted_until=member.vetted_until,
        )
    )
    await audit.record(
        session,
        f"vetting.{decision}",
        actor_id=admin.id,
        object_type="member",
        object_id=member.id,
        reason=reason,
        ip=ip,
        detail={"status": member.vetting_status, "vetted_until": member.vetted_until},
    )
    if member.role == Role.expert:
        expert_id = await expert_id_of(session, member.id)
        if expert_id:
            outbox.emit(session, "index.expert", expert_id)
    return member


async def approve(session: AsyncSession, settings: Settings, admin: Principal, member_id: int, data: ApproveIn, ip="") -> Member:
    until = data.vetted_until or (utcnow() + timedelta(days=30 * settings.default_vetting_months))
    if until <= utcnow():
        raise field_error("vetted_until", "must be in the future")
    return await _decide(
        session, admin, member_id, "approved", data.reason,
        allowed_from={VettingStatus.pending, VettingStatus.suspended, VettingStatus.rejected, VettingStatus.approved},
        new_status=VettingStatus.approved, vetted_until=until, ip=ip,
    )


async def reject(session: AsyncSession, admin: Principal, member_id: int, reason: str, ip="") -> Member:
    return await _decide(
        session, admin, member_id, "rejected", reason,
        allowed_from={VettingStatus.pending, VettingStatus.approved, VettingStatus.suspended},
        new_status=VettingStatus.rejected, revoke=True, ip=ip,
    )


async def suspend(session: AsyncSession, admin: Principal, member_id: int, reason: str, ip="") -> Member:
    return await _decide(
        session, admin, member_id, "suspended", reason,
        allowed_from={VettingStatus.approved, VettingStatus.pending},
        new_status=VettingStatus.suspended, revoke=True, ip=ip,
    )


async def set_revet_date(session: AsyncSession, admin: Principal, member_id: int, data: RevetIn, ip="") -> Member:
    return await _decide(
        session, admin, member_id, "revet_date", data.reason,
        allowed_from={VettingStatus.approved, VettingStatus.pending, VettingStatus.suspended},
        new_status=None, vetted_until=data.vetted_until, ip=ip,
    )


async def decisions(session: AsyncSession, member_id: int) -> list[VettingDecision]:
    await get_member(session, member_id)
    rows = await session.execute(
        select(VettingDecision).where(VettingDecision.member_id == member_id).order_by(VettingDecision.id)
    )
    return list(rows.scalars().all())


async def create_admin(session: AsyncSession, email: str, password: str, full_name: str) -> Member:
    email = email.lower()
    _check_password(password, email)
    exists = (await session.execute(select(Member).where(Member.email == email))).scalar_one_or_none()
    if exists is not None:
        raise Conflict("email: an account with this e-mail address already exists")
    member = Member(
        email=email,
        full_name=full_name,
        password_hash=hash_password(password),
        role=Role.admin,
        vetting_status=VettingStatus.approved,
        organisation="Network secretariat",
        languages=["en"],
    )
    session.add(member)
    await session.flush()
    session.add(VettingDecision(member_id=member.id, decision="approved", reason="created by operator (CLI)"))
    await audit.record(session, "member.create_admin", actor_id=None, object_type="member", object_id=member.id)
    return member


def totp_setup(settings: Settings, principal: Principal):
    """A new secret for an authenticator app; it takes effect only once a code from it is shown."""
    from expertnet.core.security import issue_totp_setup_token
    from expertnet.members.schemas import TotpSetupOut

    secret = pyotp.random_base32()
    uri = pyotp.TOTP(secret).provisioning_uri(name=principal.email, issuer_name="expertnet")
    return TotpSetupOut(secret=secret, provisioning_uri=uri, setup_token=issue_totp_setup_token(settings, principal.id, secret))


async def totp_enable(session: AsyncSession, settings: Settings, principal: Principal, setup_token: str, code: str) -> None:
    from expertnet.core.security import decode_totp_setup_token

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
    await audit.record(session, "member.totp_enabled", actor_id=member.id, object_type="member", object_id=member.id)
