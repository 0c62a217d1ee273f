"""The queries of notifications. Nothing here commits."""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.notifications.models import Notification
from sqlmodel import col
from expertnet.db import affected
from expertnet.core.models import pk


def _own(member_id: int, kinds: Iterable[str] | None) -> list[ColumnElement[bool]]:
    """A member's own notifications, of the given kinds only (None: every kind)."""
    conditions = [col(Notification.member_id) == member_id]
    if kinds is not None:
        conditions.append(col(Notification.kind).in_(list(kinds)))
    return conditions


async def page(
    session: AsyncSession, member_id: int, kinds: Iterable[str] | None, *, unread_only: bool, offset: int, limit: int
) -> tuple[list[Notification], int]:
    """Newest first, and how many match in all."""
    conditions = _own(member_id, kinds)
    if unread_only:
        conditions.append(col(Notification.read_at).is_(None))
    total = (await session.execute(select(func.count()).select_from(Notification).where(*conditions))).scalar_one()
    rows = await session.execute(
        select(Notification).where(*conditions).order_by(col(Notification.id).desc()).offset(offset).limit(limit)
    )
    return list(rows.scalars()), int(total)


async def unread_count(session: AsyncSession, member_id: int, kinds: Iterable[str] | None) -> int:
    conditions = [*_own(member_id, kinds), col(Notification.read_at).is_(None)]
    return int((await session.execute(select(func.count()).select_from(Notification).where(*conditions))).scalar_one())


async def own(
    session: AsyncSession, member_id: int, notification_id: int, kinds: Iterable[str] | None
) -> Notification | None:
    query = select(Notification).where(col(Notification.id) == notification_id, *_own(member_id, kinds))
    return (await session.execute(query)).scalar_one_or_none()


async def mark_all_read(session: AsyncSession, member_id: int, kinds: Iterable[str] | None, now: datetime) -> int:
    result = await session.execute(
        update(Notification)
        .where(*_own(member_id, kinds), col(Notification.read_at).is_(None))
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(affected(result) or 0)


async def delivered_pairs(session: AsyncSession, event_ids: list[int]) -> set[tuple[int, int]]:
    """(event, member) pairs that already have their notification: a replayed event skips them."""
    rows = await session.execute(
        select(col(Notification.source_event_id), col(Notification.member_id)).where(
            col(Notification.source_event_id).in_(event_ids)
        )
    )
    return {(row.source_event_id, row.member_id) for row in rows}


async def by_ids(session: AsyncSession, ids: list[int]) -> dict[int, Notification]:
    if not ids:
        return {}
    rows = await session.execute(select(Notification).where(col(Notification.id).in_(ids)))
    return {pk(n): n for n in rows.scalars()}


async def mark_consultation_read(
    session: AsyncSession, member_id: int, consultation_id: int, kinds: Iterable[str] | None, now: datetime
) -> int:
    """The member's unread notifications about one consultation, marked read (they opened it)."""
    result = await session.execute(
        update(Notification)
        .where(
            *_own(member_id, kinds),
            col(Notification.consultation_id) == consultation_id,
            col(Notification.read_at).is_(None),
        )
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(affected(result) or 0)
