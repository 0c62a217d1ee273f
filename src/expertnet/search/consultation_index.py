"""Consultations in the search index, each with the principals allowed to see it (acl).

The acl mirrors the object-level rule of consultations.service.access: the requester, the
assigned expert, experts holding an open offer, and admins."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.consultations.models import Consultation, Offer, OfferStatus
from expertnet.core.auth import Principal
from expertnet.experts.models import Expert
from expertnet.search.documents import epoch
from sqlmodel import col
from expertnet.db import key_col
from expertnet.core.models import pk

INDEX = "consultations"
CHUNK = 500


def principals(principal: Principal) -> list[str]:
    """What a user is, for the acl: built on the server from the authenticated identity only."""
    values = [f"member:{principal.id}"]
    if principal.is_admin:
        values.append("role:admin")
    return values


async def consultation_documents(session: AsyncSession, ids: list[int]) -> list[dict]:
    consultations = (await session.execute(select(Consultation).where(col(Consultation.id).in_(ids)))).scalars().all()
    if not consultations:
        return []
    viewers: dict[int, set[int]] = {pk(c): set() for c in consultations}
    assigned = {c.assigned_expert_id for c in consultations if c.assigned_expert_id}
    offer_rows = (
        await session.execute(
            select(col(Offer.consultation_id), col(Expert.member_id))
            .join(Expert, col(Expert.id) == col(Offer.expert_id))
            .where(col(Offer.consultation_id).in_(ids), col(Offer.status) == OfferStatus.open)
        )
    ).all()
    for consultation_id, member_id in offer_rows:
        viewers[consultation_id].add(member_id)
    assigned_members = (
        dict(
            (
                await session.execute(
                    select(key_col(Expert.id), col(Expert.member_id)).where(col(Expert.id).in_(assigned))
                )
            ).all()
        )
        if assigned
        else {}
    )
    docs = []
    for c in consultations:
        members = {c.requester_id, *viewers[pk(c)]}
        if c.assigned_expert_id:
            members.add(assigned_members[c.assigned_expert_id])
        docs.append(
            {
                "id": str(c.id),
                "title": c.title,
                "description": c.description,
                "category": c.category or c.inferred_category or "",
                "location_country": c.location_country,
                "origin_country": c.object_origin_country or "",
                "languages": list(c.languages),
                "status": c.status,
                "urgency": c.urgency,
                "requester_id": c.requester_id,
                "created_at": epoch(c.created_at),
                "acl": ["role:admin", *(f"member:{m}" for m in sorted(members))],
            }
        )
    return docs


async def ids_after(session: AsyncSession, after_id: int, limit: int) -> list[int]:
    query = (
        select(key_col(Consultation.id))
        .where(col(Consultation.id) > after_id)
        .order_by(col(Consultation.id))
        .limit(limit)
    )
    return list((await session.execute(query)).scalars().all())
