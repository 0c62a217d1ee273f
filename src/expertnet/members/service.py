"""Accounts and vetting: applying, completing the application, admins' decisions.

Services never commit: the request or the job owns the transaction.
"""

from datetime import datetime, timedelta
from collections.abc import Iterable
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.config import Settings
from expertnet.core import audit
from expertnet.core.auth import Principal
from expertnet.core.errors import Conflict, Forbidden, NotFound, TooManyRequests, field_error
from expertnet.core.security import hash_password, password_problem
from expertnet.db import keep, utcnow
from expertnet.members import repository, tokens
from expertnet.members.models import Member, RegistrationAttempt, Role, TokenPurpose, VettingDecision, VettingStatus
from expertnet.members.schemas import (
    ApplicationUpdate,
    ApproveIn,
    ExpertApplication,
    MemberOut,
    MemberPage,
    RegisterIn,
    RevetIn,
    VettingDecisionOut,
)
from expertnet.core.models import pk


class ExpertProfiles(Protocol):
    """The expert profile an expert member has. The `experts` package keeps it and builds on
    `members`, so members cannot import it: app.py hands it in with `use_expert_profiles`."""

    async def open(self, session: AsyncSession, member: Member, application: ExpertApplication) -> int:
        """Create the profile of a new expert member from their application; returns its id."""

    async def id_of(self, session: AsyncSession, member_id: int) -> int | None: ...

    async def changed(self, session: AsyncSession, member_id: int) -> None:
        """The member's name, languages or vetting changed: the profile's derived copies are stale."""


_profiles: ExpertProfiles | None = None


def use_expert_profiles(profiles: ExpertProfiles) -> None:
    global _profiles
    _profiles = profiles


def _expert_profiles() -> ExpertProfiles:
    if _profiles is None:
        raise RuntimeError("no expert profiles wired in: call members.service.use_expert_profiles first (app.py does)")
    return _profiles


async def get_member(session: AsyncSession, member_id: int, *, for_update: bool = False) -> Member:
    member = await repository.get(session, member_id, for_update=for_update)
    if member is None:
        raise NotFound("member not found")
    return member


async def expert_id_of(session: AsyncSession, member_id: int) -> int | None:
    return await _expert_profiles().id_of(session, member_id)


def _out(member: Member, **extra) -> MemberOut:
    return MemberOut.model_validate(member).model_copy(
        update={"has_password": member.password_hash is not None, **extra}
    )


async def member_out(session: AsyncSession, member: Member) -> MemberOut:
    expert_id = await expert_id_of(session, pk(member)) if member.role == Role.expert else None
    return _out(member, expert_id=expert_id)


async def read(session: AsyncSession, member_id: int) -> MemberOut:
    member = await get_member(session, member_id)
    out = await member_out(session, member)
    open_until = (await repository.live_invitations(session, [member_id], utcnow())).get(member_id)
    return out.model_copy(update={"invitation_expires_at": open_until})


def check_password(password: str, email: str, field: str = "password") -> None:
    problem = password_problem(password, email=email)
    if problem:
        raise field_error(field, problem)


# What an applicant gives about themselves, and may change only while the application is pending.
APPLICATION_FIELDS = {
    "full_name",
    "organisation",
    "position",
    "country",
    "languages",
    "application_statement",
    "referee",
}


REGISTERED = (
    "Application received. Open the link in the e-mail we sent to confirm the address; the secretariat reviews "
    "confirmed applications. Sign in with this e-mail address and password to follow it."
)


async def limit(
    session: AsyncSession,
    action: str,
    *,
    ip: str,
    email: str = "",
    max_per_ip: int,
    max_per_email: int = 0,
    window_seconds: int,
    message: str,
) -> None:
    """The rate limit of registration, password-reset and confirmation requests: at most
    `max_per_ip` per client address and `max_per_email` per e-mail address in the window. An
    attempt let through is recorded and kept past a rollback (a request that fails later counts)."""
    since = utcnow() - timedelta(seconds=window_seconds)
    over = bool(ip) and await repository.attempts_since(session, action, since, ip=ip) >= max_per_ip
    if not over and email and max_per_email:
        over = await repository.attempts_since(session, action, since, email=email) >= max_per_email

    async def attempt(s: AsyncSession) -> None:
        s.add(RegistrationAttempt(ip=ip, action=action, email=email))

    if over:
        raise TooManyRequests(message)
    await keep(session, attempt)


async def register(session: AsyncSession, settings: Settings, data: RegisterIn, *, ip: str = "") -> MemberOut | None:
    """The new applicant's account, or None when the address already has one. Callers answer the
    same in both cases (the same work is done: the password is hashed either way), so registration
    does not tell whether an address has an account. At most register_max_per_ip per window."""
    email = data.email.lower()
    await limit(
        session,
        "register",
        ip=ip,
        max_per_ip=settings.register_max_per_ip,
        window_seconds=settings.register_window_seconds,
        message="too many applications from this address; try again later",
    )
    check_password(data.password, email)
    if data.role == Role.expert and data.expert is None:
        raise field_error("expert", "experts must describe their expertise (categories at least)")
    password_hash = hash_password(data.password)
    if await repository.email_taken(session, email):
        await audit.record(session, "member.register_existing", actor_id=None, object_type="member", ip=ip)
        return None
    member = Member(
        **data.model_dump(include=APPLICATION_FIELDS | {"role"}),
        email=email,
        password_hash=password_hash,
        vetting_status=VettingStatus.pending,
        application_submitted_at=utcnow(),
    )
    session.add(member)
    await session.flush()
    expert_id = None
    if data.expert is not None and data.role == Role.expert:
        expert_id = await _expert_profiles().open(session, member, data.expert)
    await audit.record(
        session, "member.register", actor_id=pk(member), object_type="member", object_id=pk(member), ip=ip
    )
    await tokens.issue(session, settings, member, TokenPurpose.confirm)
    return _out(member, expert_id=expert_id)


async def update_application(session: AsyncSession, principal: Principal, data: ApplicationUpdate) -> MemberOut:
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
        await _expert_profiles().changed(session, pk(member))
    return await member_out(session, member)


# --- vetting (admins) -------------------------------------------------------------------------


async def list_members(
    session: AsyncSession, *, status: str | None, role: str | None, q: str | None, offset: int, limit: int
) -> MemberPage:
    rows, total = await repository.page(session, status=status, role=role, q=q, offset=offset, limit=limit)
    invited = await repository.live_invitations(session, [pk(m) for m in rows], utcnow())
    items = [_out(m, invitation_expires_at=invited.get(pk(m))) for m in rows]
    return MemberPage(items=items, total=total, offset=offset, limit=limit)


async def _decide(
    session: AsyncSession,
    admin: Principal,
    member_id: int,
    decision: str,
    reason: str,
    *,
    allowed_from: set[str],
    new_status: str | None,
    vetted_until: datetime | None = None,
    revoke: bool = False,
    ip: str = "",
) -> MemberOut:
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
            member_id=pk(member),
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
        object_id=pk(member),
        reason=reason,
        ip=ip,
        detail={"status": member.vetting_status, "vetted_until": member.vetted_until},
    )
    if member.role == Role.expert:
        await _expert_profiles().changed(session, pk(member))
    await _tell(session, member, decision, reason)
    return await member_out(session, member)


# decision -> (notification kind, where the mail's link leads, the in-app subject)
_DECISION_NEWS = {
    "approved": ("vetting_approved", "/", "Your membership has been approved"),
    "rejected": ("vetting_rejected", "/application", "Your application was not approved"),
    "suspended": ("vetting_suspended", "/application", "Your membership has been suspended"),
    "revet_date": ("vetting_revet", "/application", "Your membership is due to be re-vetted"),
}


class MemberNews(Protocol):
    """Tells members what happened to them, in the app and by e-mail: `notifications.service.notify`.
    Notifications build on members, so members cannot import them: app.py and the `expertnet`
    command hand it in with `use_member_news`."""

    async def __call__(
        self,
        session: AsyncSession,
        member_ids: Iterable[int],
        kind: str,
        subject: str,
        body: str,
        url: str,
        *,
        key: str,
    ) -> Any: ...


_news: MemberNews | None = None


def use_member_news(news: MemberNews) -> None:
    global _news
    _news = news


async def _tell(session: AsyncSession, member: Member, decision: str, reason: str) -> None:
    """The member learns a vetting decision in the app and by e-mail (through the outbox), with the reason."""
    if _news is None:
        raise RuntimeError("no member news wired in: call members.service.use_member_news first (app.py does)")
    kind, url, subject = _DECISION_NEWS[decision]
    body = reason
    if decision == "revet_date" and member.vetted_until is not None:
        body = f"re-vetting due by {member.vetted_until:%Y-%m-%d}" + (f"; {reason}" if reason else "")
    await _news(session, [pk(member)], kind, subject, body, url, key=f"vetting.{pk(member)}")


async def approve(
    session: AsyncSession, settings: Settings, admin: Principal, member_id: int, data: ApproveIn, ip=""
) -> MemberOut:
    until = data.vetted_until or (utcnow() + timedelta(days=30 * settings.default_vetting_months))
    if until <= utcnow():
        raise field_error("vetted_until", "must be in the future")
    return await _decide(
        session,
        admin,
        member_id,
        "approved",
        data.reason,
        allowed_from={VettingStatus.pending, VettingStatus.suspended, VettingStatus.rejected, VettingStatus.approved},
        new_status=VettingStatus.approved,
        vetted_until=until,
        ip=ip,
    )


async def reject(session: AsyncSession, admin: Principal, member_id: int, reason: str, ip="") -> MemberOut:
    return await _decide(
        session,
        admin,
        member_id,
        "rejected",
        reason,
        allowed_from={VettingStatus.pending, VettingStatus.approved, VettingStatus.suspended},
        new_status=VettingStatus.rejected,
        revoke=True,
        ip=ip,
    )


async def suspend(session: AsyncSession, admin: Principal, member_id: int, reason: str, ip="") -> MemberOut:
    return await _decide(
        session,
        admin,
        member_id,
        "suspended",
        reason,
        allowed_from={VettingStatus.approved, VettingStatus.pending},
        new_status=VettingStatus.suspended,
        revoke=True,
        ip=ip,
    )


async def set_revet_date(session: AsyncSession, admin: Principal, member_id: int, data: RevetIn, ip="") -> MemberOut:
    return await _decide(
        session,
        admin,
        member_id,
        "revet_date",
        data.reason,
        allowed_from={VettingStatus.approved, VettingStatus.pending, VettingStatus.suspended},
        new_status=None,
        vetted_until=data.vetted_until,
        ip=ip,
    )


async def decisions(session: AsyncSession, member_id: int) -> list[VettingDecisionOut]:
    await get_member(session, member_id)
    return [VettingDecisionOut.model_validate(d) for d in await repository.decisions_of(session, member_id)]


async def create_admin(session: AsyncSession, email: str, password: str, full_name: str) -> Member:
    email = email.lower()
    check_password(password, email)
    if await repository.email_taken(session, email):
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
    session.add(VettingDecision(member_id=pk(member), decision="approved", reason="created by operator (CLI)"))
    await audit.record(session, "member.create_admin", actor_id=None, object_type="member", object_id=pk(member))
    return member
