"""Every query of the objects package. Nothing here commits, checks access or knows the outbox."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from expertnet.consultations.models import Attachment, Consultation
from expertnet.db import key_col
from expertnet.members.models import Member
from expertnet.objects.models import BANDS, CaseObject, FlagStatus, ObjectPhoto, ObjectVector, PhotoHash, SeenBefore

IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")


async def add(session: AsyncSession, *rows) -> None:
    session.add_all(rows)
    await session.flush()


# --- objects -------------------------------------------------------------------------------------


async def objects_of(session: AsyncSession, consultation_id: int) -> list[CaseObject]:
    query = (
        select(CaseObject)
        .where(col(CaseObject.consultation_id) == consultation_id)
        .order_by(col(CaseObject.position), col(CaseObject.id))
    )
    return list((await session.execute(query)).scalars())


async def get_object(session: AsyncSession, consultation_id: int, object_id: int) -> CaseObject | None:
    query = (
        select(CaseObject)
        .where(col(CaseObject.id) == object_id, col(CaseObject.consultation_id) == consultation_id)
        .execution_options(populate_existing=True)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def next_position(session: AsyncSession, consultation_id: int) -> int:
    query = select(func.max(col(CaseObject.position))).where(col(CaseObject.consultation_id) == consultation_id)
    return int((await session.execute(query)).scalar_one() or 0) + 1


async def delete_object(session: AsyncSession, obj: CaseObject) -> None:
    # Children first: SQLite enforces foreign keys but the ORM knows no cascade here.
    await session.execute(delete(ObjectPhoto).where(col(ObjectPhoto.object_id) == obj.id))
    await session.execute(delete(ObjectVector).where(col(ObjectVector.object_id) == obj.id))
    await session.delete(obj)
    await session.flush()


async def photos_of(session: AsyncSession, object_ids: Iterable[int]) -> dict[int, list[int]]:
    ids = list(object_ids)
    found: dict[int, list[int]] = defaultdict(list)
    if not ids:
        return found
    query = (
        select(col(ObjectPhoto.object_id), col(ObjectPhoto.attachment_id))
        .where(col(ObjectPhoto.object_id).in_(ids))
        .order_by(col(ObjectPhoto.attachment_id))
    )
    for object_id, attachment_id in (await session.execute(query)).all():
        found[object_id].append(attachment_id)
    return found


async def set_photos(session: AsyncSession, object_id: int, attachment_ids: Sequence[int]) -> None:
    await session.execute(delete(ObjectPhoto).where(col(ObjectPhoto.object_id) == object_id))
    session.add_all(ObjectPhoto(object_id=object_id, attachment_id=a) for a in dict.fromkeys(attachment_ids))
    await session.flush()


async def image_attachment_ids(session: AsyncSession, consultation_id: int, ids: Iterable[int]) -> set[int]:
    """Those of `ids` that are photos (not PDFs) of this consultation."""
    wanted = list(set(ids))
    if not wanted:
        return set()
    query = select(key_col(Attachment.id)).where(
        col(Attachment.consultation_id) == consultation_id,
        col(Attachment.id).in_(wanted),
        col(Attachment.content_type).in_(IMAGE_TYPES),
    )
    return set((await session.execute(query)).scalars())


# --- photo hashes ----------------------------------------------------------------------------------


async def hashes_of(session: AsyncSession, consultation_id: int) -> list[PhotoHash]:
    query = select(PhotoHash).where(col(PhotoHash.consultation_id) == consultation_id)
    return list((await session.execute(query)).scalars())


async def hash_exists(session: AsyncSession, attachment_id: int) -> bool:
    query = select(col(PhotoHash.attachment_id)).where(col(PhotoHash.attachment_id) == attachment_id)
    return (await session.execute(query)).first() is not None


async def band_candidates(session: AsyncSession, h: PhotoHash, limit: int = 5000) -> list[PhotoHash]:
    """Hashes of other consultations sharing at least one band with `h` (indexed lookups)."""
    bands = [getattr(PhotoHash, f"b{i}") == getattr(h, f"b{i}") for i in range(BANDS)]
    query = (
        select(PhotoHash)
        .where(or_(*bands), col(PhotoHash.consultation_id) != h.consultation_id)
        .order_by(col(PhotoHash.attachment_id).desc())
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


# --- object vectors ----------------------------------------------------------------------------


async def vectors_of(session: AsyncSession, consultation_id: int) -> list[ObjectVector]:
    query = select(ObjectVector).where(col(ObjectVector.consultation_id) == consultation_id)
    return list((await session.execute(query)).scalars())


async def recent_vectors(
    session: AsyncSession, exclude_consultation: int, since: datetime, model: str, limit: int
) -> list[ObjectVector]:
    query = (
        select(ObjectVector)
        .where(
            col(ObjectVector.consultation_id) != exclude_consultation,
            col(ObjectVector.created_at) >= since,
            col(ObjectVector.model) == model,
        )
        .order_by(col(ObjectVector.created_at).desc())
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def drop_vectors(session: AsyncSession, object_ids: Iterable[int]) -> None:
    ids = list(object_ids)
    if ids:
        await session.execute(delete(ObjectVector).where(col(ObjectVector.object_id).in_(ids)))


# --- consultations and their requesters ------------------------------------------------------------


async def consultations_with_requesters(
    session: AsyncSession, ids: Iterable[int]
) -> dict[int, tuple[Consultation, Member]]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    query = (
        select(Consultation, Member)
        .join(Member, col(Member.id) == col(Consultation.requester_id))
        .where(col(Consultation.id).in_(wanted))
    )
    return {pk_c.id: (pk_c, m) for pk_c, m in (await session.execute(query)).all() if pk_c.id is not None}


# --- seen-before pairs -------------------------------------------------------------------------------


async def flag_of_pair(session: AsyncSession, later: int, earlier: int) -> SeenBefore | None:
    query = (
        select(SeenBefore)
        .where(col(SeenBefore.consultation_id) == later, col(SeenBefore.earlier_id) == earlier)
        .with_for_update()
    )
    return (await session.execute(query)).scalar_one_or_none()


async def flag(session: AsyncSession, flag_id: int, *, for_update: bool = False) -> SeenBefore | None:
    query = select(SeenBefore).where(col(SeenBefore.id) == flag_id).execution_options(populate_existing=True)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def flags(
    session: AsyncSession,
    *,
    status: str | None = None,
    consultation_id: int | None = None,
    offset: int = 0,
    limit: int = 100,
) -> list[SeenBefore]:
    query = select(SeenBefore)
    if status:
        query = query.where(col(SeenBefore.status) == status)
    if consultation_id is not None:
        query = query.where(
            or_(col(SeenBefore.consultation_id) == consultation_id, col(SeenBefore.earlier_id) == consultation_id)
        )
    query = query.order_by(col(SeenBefore.created_at).desc(), col(SeenBefore.id).desc()).offset(offset).limit(limit)
    return list((await session.execute(query)).scalars())


async def linked_flags(session: AsyncSession, consultation_id: int) -> list[SeenBefore]:
    return await flags(session, status=FlagStatus.linked, consultation_id=consultation_id, limit=200)


# --- evidence shown to admins ------------------------------------------------------------------


async def attachments_by_id(session: AsyncSession, ids: Iterable[int]) -> dict[int, Attachment]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    query = select(Attachment).where(col(Attachment.id).in_(wanted))
    return {pk_a.id: pk_a for pk_a in (await session.execute(query)).scalars() if pk_a.id is not None}


async def objects_by_id(session: AsyncSession, ids: Iterable[int]) -> dict[int, CaseObject]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    query = select(CaseObject).where(col(CaseObject.id).in_(wanted))
    return {o.id: o for o in (await session.execute(query)).scalars() if o.id is not None}


async def unhashed_photos(session: AsyncSession, after_id: int, limit: int) -> list[Attachment]:
    """Image attachments without a pHash yet (uploaded before this package, or not decodable)."""
    query = (
        select(Attachment)
        .outerjoin(PhotoHash, col(PhotoHash.attachment_id) == col(Attachment.id))
        .where(
            col(PhotoHash.attachment_id).is_(None),
            col(Attachment.content_type).in_(IMAGE_TYPES),
            col(Attachment.id) > after_id,
        )
        .order_by(col(Attachment.id))
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())
