from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from expertnet.sessions.models import FormDraft


async def forget_expired(session: AsyncSession, now: datetime) -> int:
    result = await session.execute(delete(FormDraft).where(col(FormDraft.expires_at) <= now))
    return int(getattr(result, "rowcount", 0) or 0)


async def drafts_of(session: AsyncSession, member_id: int) -> list[FormDraft]:
    rows = await session.execute(
        select(FormDraft).where(col(FormDraft.member_id) == member_id).order_by(col(FormDraft.id).desc())
    )
    return list(rows.scalars())


async def by_key(session: AsyncSession, key_hash: str) -> FormDraft | None:
    rows = await session.execute(select(FormDraft).where(col(FormDraft.key_hash) == key_hash))
    return rows.scalar_one_or_none()


async def remove(session: AsyncSession, draft_id: int) -> bool:
    result = await session.execute(delete(FormDraft).where(col(FormDraft.id) == draft_id))
    return bool(getattr(result, "rowcount", 0))
