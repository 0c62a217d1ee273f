"""The queries of accounts, sign-in attempts and vetting decisions. Nothing here commits."""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, Row, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.members.models import (
    AccountToken,
    LoginAttempt,
    Member,
    RefreshToken,
    RegistrationAttempt,
    VettingDecision,
    VettingStatus,
)
from sqlmodel import col
from expertnet.db import affected, key_col, table_of


async def count(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).select_from(Member))).scalar_one())


async def get(session: AsyncSession, member_id: int, *, for_update: bool = False) -> Member | None:
    query = select(Member).where(col(Member.id) == member_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def by_email(session: AsyncSession, email: str) -> Member | None:
    return (await session.execute(select(Member).where(col(Member.email) == email))).scalar_one_or_none()


async def email_taken(session: AsyncSession, email: str) -> bool:
    return (
        await session.execute(select(key_col(Member.id)).where(col(Member.email) == email))
    ).scalar_one_or_none() is not None


async def failed_logins_since(
    session: AsyncSession, since: datetime, *, email: str | None = None, ip: str | None = None
) -> int:
    """Failed sign-ins since `since`, for one account (email) or one address (ip)."""
    key = col(LoginAttempt.email) == email if email is not None else col(LoginAttempt.ip) == ip
    query = (
        select(func.count())
        .select_from(LoginAttempt)
        .where(key, col(LoginAttempt.success).is_(False), col(LoginAttempt.at) >= since)
    )
    return int((await session.execute(query)).scalar_one())


async def failures_of(session: AsyncSession, email: str, since: datetime) -> tuple[int, datetime | None]:
    """(failed sign-ins of one account since `since`, when the last of them was)."""
    query = select(func.count(), func.max(col(LoginAttempt.at))).where(
        col(LoginAttempt.email) == email, col(LoginAttempt.success).is_(False), col(LoginAttempt.at) >= since
    )
    count, last = (await session.execute(query)).one()
    return int(count), last


async def registrations_since(session: AsyncSession, ip: str, since: datetime) -> int:
    return await attempts_since(session, "register", since, ip=ip)


async def attempts_since(
    session: AsyncSession, action: str, since: datetime, *, ip: str | None = None, email: str | None = None
) -> int:
    """Rate-limited requests of one kind since `since`, from one client address or for one e-mail address."""
    key = col(RegistrationAttempt.ip) == ip if ip is not None else col(RegistrationAttempt.email) == email
    query = (
        select(func.count())
        .select_from(RegistrationAttempt)
        .where(col(RegistrationAttempt.action) == action, key, col(RegistrationAttempt.at) >= since)
    )
    return int((await session.execute(query)).scalar_one())


async def token_by_hash(session: AsyncSession, token_hash: str) -> AccountToken | None:
    query = select(AccountToken).where(col(AccountToken.token_hash) == token_hash).with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def token(session: AsyncSession, token_id: int) -> AccountToken | None:
    return (await session.execute(select(AccountToken).where(col(AccountToken.id) == token_id))).scalar_one_or_none()


async def revoke_refresh_tokens(session: AsyncSession, member_id: int, now: datetime) -> None:
    await session.execute(
        update(RefreshToken)
        .where(col(RefreshToken.member_id) == member_id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=now)
    )


def _live_invitation(now: datetime) -> ColumnElement[bool]:
    return (
        select(key_col(AccountToken.id))
        .where(
            col(AccountToken.member_id) == col(Member.id),
            col(AccountToken.purpose) == "invitation",
            col(AccountToken.used_at).is_(None),
            col(AccountToken.revoked_at).is_(None),
            col(AccountToken.expires_at) > now,
        )
        .exists()
    )


def _uninvited_experts(now: datetime) -> list[ColumnElement[bool]]:
    """Imported experts who cannot sign in yet: no password, active, and no invitation still open."""
    return [
        col(Member.role) == "expert",
        col(Member.password_hash).is_(None),
        col(Member.vetting_status).in_((VettingStatus.approved, VettingStatus.pending)),
        ~_live_invitation(now),
    ]


async def count_uninvited_experts(session: AsyncSession, now: datetime) -> int:
    query = select(func.count()).select_from(Member).where(*_uninvited_experts(now))
    return int((await session.execute(query)).scalar_one())


async def uninvited_experts(session: AsyncSession, now: datetime, after_id: int, limit: int) -> list[Member]:
    query = (
        select(Member).where(*_uninvited_experts(now), col(Member.id) > after_id).order_by(col(Member.id)).limit(limit)
    )
    return list((await session.execute(query)).scalars().all())


async def live_invitations(session: AsyncSession, member_ids: list[int], now: datetime) -> dict[int, datetime]:
    """{member id: expiry} of the invitations still open, for the members given."""
    if not member_ids:
        return {}
    rows = await session.execute(
        select(col(AccountToken.member_id), func.max(col(AccountToken.expires_at)))
        .where(
            col(AccountToken.member_id).in_(member_ids),
            col(AccountToken.purpose) == "invitation",
            col(AccountToken.used_at).is_(None),
            col(AccountToken.revoked_at).is_(None),
            col(AccountToken.expires_at) > now,
        )
        .group_by(col(AccountToken.member_id))
    )
    return {row[0]: row[1] for row in rows}


async def refresh_token(session: AsyncSession, jti: str) -> RefreshToken | None:
    return (
        await session.execute(select(RefreshToken).where(col(RefreshToken.jti) == jti).with_for_update())
    ).scalar_one_or_none()


async def spend_refresh_token(session: AsyncSession, jti: str, now: datetime) -> bool:
    """Mark a refresh token used; False when it was already used or revoked (checked in one UPDATE,
    so two refreshes racing with the same token cannot both win)."""
    result = await session.execute(
        update(RefreshToken)
        .where(
            col(RefreshToken.jti) == jti, col(RefreshToken.used_at).is_(None), col(RefreshToken.revoked_at).is_(None)
        )
        .values(used_at=now)
    )
    return affected(result) == 1


async def revoke_family(session: AsyncSession, family: str, member_id: int, now: datetime) -> None:
    await session.execute(
        update(RefreshToken)
        .where(col(RefreshToken.family) == family, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    await session.execute(
        update(Member).where(col(Member.id) == member_id).values(token_version=col(Member.token_version) + 1)
    )


async def forget_expired_refresh_tokens(session: AsyncSession, member_id: int, now: datetime) -> None:
    await session.execute(
        delete(RefreshToken).where(col(RefreshToken.member_id) == member_id, col(RefreshToken.expires_at) < now)
    )


async def page(
    session: AsyncSession, *, status: str | None, role: str | None, q: str | None, offset: int, limit: int
) -> tuple[list[Member], int]:
    """Members by vetting status, role and a text in the e-mail address or name, oldest first."""
    query = select(Member)
    # The queue shows a self-registered applicant only once the address is confirmed (imported and
    # invited members have no application date: the operator or an admin vouched for the address).
    unconfirmed = col(Member.application_submitted_at).is_not(None) & col(Member.email_confirmed_at).is_(None)
    if status == "unconfirmed":
        query = query.where(col(Member.vetting_status) == VettingStatus.pending, unconfirmed)
    elif status == VettingStatus.pending:
        query = query.where(col(Member.vetting_status) == status, ~unconfirmed)
    elif status:
        query = query.where(col(Member.vetting_status) == status)
    if role:
        query = query.where(col(Member.role) == role)
    if q:
        like = f"%{q.lower()}%"
        query = query.where(or_(func.lower(col(Member.email)).like(like), func.lower(col(Member.full_name)).like(like)))
    total = int((await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one())
    rows = (await session.execute(query.order_by(col(Member.id)).offset(offset).limit(limit))).scalars().all()
    return list(rows), total


async def decisions_of(session: AsyncSession, member_id: int) -> list[VettingDecision]:
    rows = await session.execute(
        select(VettingDecision).where(col(VettingDecision.member_id) == member_id).order_by(col(VettingDecision.id))
    )
    return list(rows.scalars().all())


def vetting_current(now: datetime) -> ColumnElement[bool]:
    """SQL for Member.vetting_current: approved, and not past the re-vetting date."""
    return (col(Member.vetting_status) == VettingStatus.approved) & or_(
        col(Member.vetted_until).is_(None), col(Member.vetted_until) > now
    )


async def contacts(session: AsyncSession, member_ids: Iterable[int], chunk: int = 1000) -> dict[int, Row]:
    """Id, e-mail address and vetting (status, until) of members, by id. IN lists stay below the
    bind-parameter limits of SQLite and asyncpg."""
    ordered = sorted(member_ids)
    found: dict[int, Row] = {}
    for start in range(0, len(ordered), chunk):
        rows = await session.execute(
            select(
                key_col(Member.id),
                col(Member.email),
                col(Member.vetting_status),
                col(Member.vetted_until),
                col(Member.ui_language),
            ).where(col(Member.id).in_(ordered[start : start + chunk]))
        )
        found.update({row.id: row for row in rows})
    return found


# --- bulk paths (the expert import): one statement per table and chunk, never one per row -------


async def ids_by_email(session: AsyncSession, emails: Iterable[str]) -> dict[str, int]:
    return dict(
        (
            await session.execute(
                select(col(Member.email), key_col(Member.id)).where(col(Member.email).in_(list(emails)))
            )
        ).all()
    )


async def insert_many(session: AsyncSession, rows: list[dict]) -> dict[str, int]:
    """Insert members (complete column dicts) and return their ids by e-mail address.

    A plain executemany without RETURNING is one driver call; reading the ids back by their unique
    key is far cheaper than row-by-row RETURNING on SQLite."""
    await session.execute(insert(table_of(Member)), rows)
    return await ids_by_email(session, [row["email"] for row in rows])


async def update_many(session: AsyncSession, rows: list[dict]) -> None:
    """Bulk UPDATE by primary key: each dict holds `id` and the columns that change."""
    await session.execute(update(Member), rows)


async def insert_decisions(session: AsyncSession, rows: list[dict]) -> None:
    await session.execute(insert(table_of(VettingDecision)), rows)


async def insert_tokens(session: AsyncSession, rows: list[dict]) -> None:
    await session.execute(insert(table_of(AccountToken)), rows)


async def token_ids_by_hash(session: AsyncSession, hashes: list[str]) -> dict[str, int]:
    rows = await session.execute(
        select(col(AccountToken.token_hash), key_col(AccountToken.id)).where(col(AccountToken.token_hash).in_(hashes))
    )
    return {row[0]: row[1] for row in rows}
