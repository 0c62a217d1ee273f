"""The queries of the secretariat's reports: coverage streams and the audit log. Nothing here
writes."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.core.models import AuditEntry
from expertnet.experts.models import Expert
from expertnet.members.models import Member, Role
from expertnet.members.repository import vetting_current
from sqlmodel import col

STREAM_CHUNK = 2000


async def available_experts(session: AsyncSession, now: datetime) -> AsyncIterator[tuple]:
    """(categories, country, coverage_countries, languages) of every expert who could take a
    request today: vetting approved and current, marked available and not away. Streamed."""
    query = (
        select(col(Expert.categories), col(Expert.country), col(Expert.coverage_countries), col(Expert.languages))
        .join(Member, col(Member.id) == col(Expert.member_id))
        .where(
            vetting_current(now),
            col(Member.role) == Role.expert,
            col(Expert.available).is_(True),
            or_(col(Expert.away_until).is_(None), col(Expert.away_until) <= now.date()),
        )
        .execution_options(yield_per=STREAM_CHUNK)
    )
    async for row in await session.stream(query):
        yield tuple(row)


async def official_languages(session: AsyncSession, now: datetime) -> AsyncIterator[list[str]]:
    """The working languages of each approved, current LE official. Streamed."""
    query = (
        select(col(Member.languages))
        .where(vetting_current(now), col(Member.role) == Role.le_official)
        .execution_options(yield_per=STREAM_CHUNK)
    )
    async for (languages,) in await session.stream(query):
        yield languages


@dataclass(frozen=True)
class AuditFilter:
    actor_id: int | None = None
    action: str | None = None  # exact action, or a prefix ending in "." ("vetting.")
    object_type: str | None = None
    object_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _where(f: AuditFilter) -> list[ColumnElement[bool]]:
    where = []
    if f.actor_id is not None:
        where.append(col(AuditEntry.actor_id) == f.actor_id)
    if f.action:
        if f.action.endswith("."):
            where.append(col(AuditEntry.action).startswith(f.action, autoescape=True))
        else:
            where.append(col(AuditEntry.action) == f.action)
    if f.object_type:
        where.append(col(AuditEntry.object_type) == f.object_type)
    if f.object_id:
        where.append(col(AuditEntry.object_id) == f.object_id)
    if f.since is not None:
        where.append(col(AuditEntry.at) >= f.since)
    if f.until is not None:
        where.append(col(AuditEntry.at) < f.until)
    return where


async def audit_page(
    session: AsyncSession, f: AuditFilter, *, offset: int, limit: int
) -> tuple[list[tuple[AuditEntry, str | None]], int]:
    """Entries with the actor's name, newest first, and how many match in all."""
    where = _where(f)
    total = int((await session.execute(select(func.count()).select_from(AuditEntry).where(*where))).scalar_one())
    rows = await session.execute(
        select(AuditEntry, col(Member.full_name))
        .outerjoin(Member, col(Member.id) == col(AuditEntry.actor_id))
        .where(*where)
        .order_by(col(AuditEntry.id).desc())
        .offset(offset)
        .limit(limit)
    )
    return [(entry, name) for entry, name in rows.all()], total


async def audit_actions(session: AsyncSession) -> list[str]:
    rows = await session.execute(select(col(AuditEntry.action)).distinct().order_by(col(AuditEntry.action)))
    return list(rows.scalars().all())
