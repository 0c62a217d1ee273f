"""The queries of expert profiles. A profile is read with its member (name, e-mail, vetting).
Nothing here commits."""

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.experts.models import Expert
from expertnet.members.models import Member
from sqlmodel import col
from expertnet.db import key_col, table_of, utcnow


async def with_member(
    session: AsyncSession, where: ColumnElement[bool], *, for_update: bool = False
) -> tuple[Expert, Member] | None:
    """One profile and its member; `for_update` locks the profile row."""
    query = select(Expert, Member).join(Member, col(Member.id) == col(Expert.member_id)).where(where)
    if for_update:
        query = query.with_for_update(of=Expert)
    row = (await session.execute(query)).one_or_none()
    return (row[0], row[1]) if row is not None else None


async def count(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).select_from(Expert))).scalar_one())


async def id_of_member(session: AsyncSession, member_id: int) -> int | None:
    return (
        await session.execute(select(key_col(Expert.id)).where(col(Expert.member_id) == member_id))
    ).scalar_one_or_none()


# --- bulk paths (the import): one statement per table and chunk, never one per row -------------


async def with_members_by_external_id(
    session: AsyncSession, external_ids: Iterable[str]
) -> dict[str, tuple[Expert, Member]]:
    rows = await session.execute(
        select(Expert, Member)
        .join(Member, col(Member.id) == col(Expert.member_id))
        .where(col(Expert.external_id).in_(list(external_ids)))
    )
    return {expert.external_id: (expert, member) for expert, member in rows.all()}


async def insert_many(session: AsyncSession, rows: list[dict]) -> list[int]:
    """Insert profiles (complete column dicts) with a plain executemany; returns their ids."""
    await session.execute(insert(table_of(Expert)), rows)
    external_ids = [row["external_id"] for row in rows]
    return list(
        (await session.execute(select(key_col(Expert.id)).where(col(Expert.external_id).in_(external_ids)))).scalars()
    )


async def update_many(session: AsyncSession, rows: list[dict]) -> None:
    """Bulk UPDATE by primary key: each dict holds `id` and the columns that change."""
    await session.execute(update(Expert), rows)


# --- reads of the search indexer ---------------------------------------------------------------


async def with_members(session: AsyncSession, ids: list[int]) -> list[tuple[Expert, Member]]:
    rows = await session.execute(
        select(Expert, Member).join(Member, col(Member.id) == col(Expert.member_id)).where(col(Expert.id).in_(ids))
    )
    return [(expert, member) for expert, member in rows.all()]


async def ids_after(session: AsyncSession, after_id: int, limit: int) -> list[int]:
    """The next `limit` profile ids above `after_id` (a rebuild walks the table this way)."""
    query = select(key_col(Expert.id)).where(col(Expert.id) > after_id).order_by(col(Expert.id)).limit(limit)
    return list((await session.execute(query)).scalars().all())


async def ids_changed_since(session: AsyncSession, since: datetime) -> list[int]:
    """Profiles whose row or member row changed at or after `since`."""
    query = (
        select(key_col(Expert.id))
        .join(Member, col(Member.id) == col(Expert.member_id))
        .where(or_(col(Expert.updated_at) >= since, col(Member.updated_at) >= since))
    )
    return list((await session.execute(query)).scalars().all())


async def back_from_away(session: AsyncSession, today: date, limit: int) -> list[int]:
    """Experts whose away-until date is over (it was before today), oldest id first."""
    rows = await session.execute(
        select(col(Expert.id))
        .where(col(Expert.away_until).is_not(None), col(Expert.away_until) < today)
        .order_by(col(Expert.id))
        .limit(limit)
    )
    return [int(i) for i in rows.scalars() if i is not None]


async def clear_passed_away(session: AsyncSession, ids: list[int], today: date) -> None:
    await session.execute(
        update(Expert)
        .where(col(Expert.id).in_(ids), col(Expert.away_until) < today)
        .values(away_until=None, updated_at=utcnow())
    )
