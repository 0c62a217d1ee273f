"""Every query of the consultation desk. Services decide; these functions read and write rows.

Nothing here commits, checks access or knows about the outbox. Writes that must be exact under
concurrency are conditional UPDATEs that return whether they took effect (the caller turns a lost
race into a Conflict); the lock order they serve is the services' (consultation -> offers ->
experts, see consultations.offers). The `*_view` queries load the relationships a read model
needs in the same round trips (joined / select-in), never one query per row.
"""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Row, and_, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, noload, selectinload

from expertnet.consultations.models import (
    SEEKING_STATUSES,
    Attachment,
    Consultation,
    ConsultationEvent,
    Message,
    Offer,
    OfferStatus,
    Opinion,
    Status,
)
from expertnet.experts.models import Expert
from expertnet.members.models import Member, Role, VettingStatus
from sqlmodel import col
from expertnet.core.errors import NotFound
from expertnet.db import affected, key_col, rel


async def add(session: AsyncSession, *rows) -> None:
    """New rows, flushed so that their ids are known."""
    session.add_all(rows)
    await session.flush()


def add_later(session: AsyncSession, *rows) -> None:
    """New rows whose ids nobody needs now: written with the next flush."""
    session.add_all(rows)


# --- consultations ------------------------------------------------------------------------------


async def get(session: AsyncSession, consultation_id: int, *, for_update: bool = False) -> Consultation | None:
    """The current row (never a stale copy from the identity map); `for_update` takes its lock."""
    query = (
        select(Consultation).where(col(Consultation.id) == consultation_id).execution_options(populate_existing=True)
    )
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def existing(session: AsyncSession, consultation_id: int, *, for_update: bool = False) -> Consultation:
    """`get` for a consultation the caller knows exists (it holds a row that refers to it)."""
    found = await get(session, consultation_id, for_update=for_update)
    if found is None:
        raise NotFound("consultation: not found")
    return found


async def consultation_view(
    session: AsyncSession, consultation_id: int, *, all_offers: bool = False, offers_of_expert: int | None = None
) -> Consultation:
    """The consultation with its requester, the assigned expert's member row, and its offers (all,
    one expert's, or none), each offer with its expert and their member row."""
    if all_offers:
        offers = selectinload(rel(Consultation.offers)).options(*_offer_people())
    elif offers_of_expert is not None:
        offers = selectinload(rel(Consultation.offers).and_(col(Offer.expert_id) == offers_of_expert)).options(
            *_offer_people()
        )
    else:
        offers = noload(rel(Consultation.offers))
    query = (
        select(Consultation)
        .where(col(Consultation.id) == consultation_id)
        .options(
            joinedload(rel(Consultation.requester), innerjoin=True),
            joinedload(rel(Consultation.assigned_member)),
            offers,
        )
        .execution_options(populate_existing=True)
    )
    return (await session.execute(query)).unique().scalar_one()


async def status_of(session: AsyncSession, consultation_id: int) -> str:
    return (
        await session.execute(select(col(Consultation.status)).where(col(Consultation.id) == consultation_id))
    ).scalar_one()


async def claim_for_accept(session: AsyncSession, consultation_id: int, expert_id: int, now: datetime) -> bool:
    """offered -> accepted for this expert, if nobody was first: the row count decides the winner,
    and the UPDATE takes the consultation's lock."""
    won = await session.execute(
        update(Consultation)
        .where(col(Consultation.id) == consultation_id, col(Consultation.status) == Status.offered)
        .values(
            status=Status.accepted,
            assigned_expert_id=expert_id,
            accepted_at=now,
            updated_at=now,
            version=col(Consultation.version) + 1,
        )
        .execution_options(synchronize_session=False)
    )
    return affected(won) == 1


async def visible_page(
    session: AsyncSession,
    *,
    requester_id: int | None = None,
    expert_id: int | None = None,
    status: str | None,
    offset: int,
    limit: int,
) -> tuple[list[Consultation], int]:
    """A page of consultations, newest change first, with the total: all of them, or those of one
    requester, or those assigned to one expert or offered to them (open offer)."""
    query = select(Consultation)
    if expert_id is not None:
        open_offer = exists().where(
            col(Offer.consultation_id) == col(Consultation.id),
            col(Offer.expert_id) == expert_id,
            col(Offer.status) == OfferStatus.open,
        )
        query = query.where(or_(col(Consultation.assigned_expert_id) == expert_id, open_offer))
    elif requester_id is not None:
        query = query.where(col(Consultation.requester_id) == requester_id)
    if status:
        query = query.where(col(Consultation.status) == status)
    total = int((await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one())
    rows = (
        (
            await session.execute(
                query.order_by(col(Consultation.updated_at).desc(), col(Consultation.id).desc())
                .offset(offset)
                .limit(limit)
            )
        )
        .scalars()
        .all()
    )
    return list(rows), total


async def due_deadline_ids(session: AsyncSession, now: datetime, limit: int) -> list[int]:
    """Requests still waiting for an expert whose detention deadline has passed, oldest first."""
    rows = await session.execute(
        select(key_col(Consultation.id))
        .where(
            col(Consultation.status).in_(list(SEEKING_STATUSES)),
            col(Consultation.deadline).is_not(None),
            col(Consultation.deadline) <= now,
        )
        .order_by(col(Consultation.deadline))
        .limit(limit)
    )
    return list(rows.scalars())


# --- offers -------------------------------------------------------------------------------------


async def get_offer(session: AsyncSession, offer_id: int, *, fresh: bool = False) -> Offer | None:
    query = select(Offer).where(col(Offer.id) == offer_id)
    if fresh:
        query = query.execution_options(populate_existing=True)
    return (await session.execute(query)).scalar_one_or_none()


async def existing_offer(session: AsyncSession, offer_id: int, *, fresh: bool = False) -> Offer:
    found = await get_offer(session, offer_id, fresh=fresh)
    if found is None:
        raise NotFound("offer: not found")
    return found


async def open_offer(session: AsyncSession, consultation_id: int, expert_id: int) -> Offer | None:
    return (
        await session.execute(
            select(Offer).where(
                col(Offer.consultation_id) == consultation_id,
                col(Offer.expert_id) == expert_id,
                col(Offer.status) == OfferStatus.open,
            )
        )
    ).scalar_one_or_none()


async def has_open_offer(session: AsyncSession, consultation_id: int, expert_id: int) -> bool:
    return bool(
        (
            await session.execute(
                select(
                    exists().where(
                        col(Offer.consultation_id) == consultation_id,
                        col(Offer.expert_id) == expert_id,
                        col(Offer.status) == OfferStatus.open,
                    )
                )
            )
        ).scalar()
    )


async def offered_expert_ids(session: AsyncSession, consultation_id: int) -> set[int]:
    """Every expert this request was ever offered to (they are not offered it again)."""
    rows = await session.execute(select(col(Offer.expert_id)).where(col(Offer.consultation_id) == consultation_id))
    return set(rows.scalars())


async def open_offer_count(session: AsyncSession, consultation_id: int) -> int:
    return int(
        (
            await session.execute(
                select(func.count())
                .select_from(Offer)
                .where(col(Offer.consultation_id) == consultation_id, col(Offer.status) == OfferStatus.open)
            )
        ).scalar_one()
    )


async def last_round(session: AsyncSession, consultation_id: int) -> int:
    return (
        await session.execute(select(func.max(col(Offer.round))).where(col(Offer.consultation_id) == consultation_id))
    ).scalar_one_or_none() or 0


async def accept_offer(session: AsyncSession, offer_id: int, now: datetime) -> bool:
    """open -> accepted, unless it expired or was answered meanwhile."""
    done = await session.execute(
        update(Offer)
        .where(col(Offer.id) == offer_id, col(Offer.status) == OfferStatus.open, col(Offer.expires_at) > now)
        .values(status=OfferStatus.accepted, responded_at=now)
        .execution_options(synchronize_session=False)
    )
    return affected(done) == 1


async def decline_offer(session: AsyncSession, offer_id: int, now: datetime, reason: str) -> bool:
    """open -> declined, unless it was answered or closed meanwhile."""
    done = await session.execute(
        update(Offer)
        .where(col(Offer.id) == offer_id, col(Offer.status) == OfferStatus.open)
        .values(status=OfferStatus.declined, responded_at=now, decline_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return affected(done) == 1


async def close_open_offers(session: AsyncSession, consultation_id: int, now: datetime) -> list[Row]:
    """Close every open offer of the request; returns the closed ones as (id, expert_id)."""
    rows = list(
        (
            await session.execute(
                select(col(Offer.id), col(Offer.expert_id)).where(
                    col(Offer.consultation_id) == consultation_id, col(Offer.status) == OfferStatus.open
                )
            )
        ).all()
    )
    if rows:
        await session.execute(
            update(Offer)
            .where(col(Offer.id).in_([r.id for r in rows]), col(Offer.status) == OfferStatus.open)
            .values(status=OfferStatus.closed, responded_at=now)
            .execution_options(synchronize_session=False)
        )
    return rows


async def expire_due_offers(session: AsyncSession, consultation_id: int, now: datetime) -> list[Row]:
    """Expire the request's open offers whose time is up; returns them as (id, expert_id)."""
    due = list(
        (
            await session.execute(
                select(col(Offer.id), col(Offer.expert_id)).where(
                    col(Offer.consultation_id) == consultation_id,
                    col(Offer.status) == OfferStatus.open,
                    col(Offer.expires_at) <= now,
                )
            )
        ).all()
    )
    if due:
        await session.execute(
            update(Offer)
            .where(
                col(Offer.id).in_([o.id for o in due]),
                col(Offer.status) == OfferStatus.open,
                col(Offer.expires_at) <= now,
            )
            .values(status=OfferStatus.expired, responded_at=now)
            .execution_options(synchronize_session=False)
        )
    return due


async def due_offer_consultation_ids(session: AsyncSession, now: datetime, limit: int) -> list[int]:
    """Requests with at least one open offer past its time, the longest overdue first."""
    rows = await session.execute(
        select(col(Offer.consultation_id))
        .where(col(Offer.status) == OfferStatus.open, col(Offer.expires_at) <= now)
        .group_by(col(Offer.consultation_id))
        .order_by(func.min(col(Offer.expires_at)))
        .limit(limit)
    )
    return list(rows.scalars())


def _offer_people():
    return joinedload(rel(Offer.expert), innerjoin=True), joinedload(rel(Offer.expert_member), innerjoin=True)


async def offer_views(
    session: AsyncSession, *, offer_id: int | None = None, expert_id: int | None = None, status: str | None = None
) -> list[Offer]:
    """Offers (one, or one expert's, optionally of one status) with their expert and member rows."""
    where = []
    if offer_id is not None:
        where.append(col(Offer.id) == offer_id)
    if expert_id is not None:
        where.append(col(Offer.expert_id) == expert_id)
    if status:
        where.append(col(Offer.status) == status)
    rows = await session.execute(
        select(Offer)
        .where(and_(*where))
        .options(*_offer_people())
        .order_by(col(Offer.id))
        .execution_options(populate_existing=True)
    )
    return list(rows.scalars().unique())


# --- the people: members and experts as the desk needs them ---------------------------------------


async def member(session: AsyncSession, member_id: int) -> Member | None:
    return (await session.execute(select(Member).where(col(Member.id) == member_id))).scalar_one_or_none()


async def expert_of_member(session: AsyncSession, member_id: int) -> Expert | None:
    return (await session.execute(select(Expert).where(col(Expert.member_id) == member_id))).scalar_one_or_none()


async def admin_ids(session: AsyncSession, now: datetime) -> list[int]:
    """Admins whose vetting is current: they are told about escalations."""
    rows = await session.execute(
        select(key_col(Member.id)).where(
            col(Member.role) == Role.admin,
            col(Member.vetting_status) == VettingStatus.approved,
            or_(col(Member.vetted_until).is_(None), col(Member.vetted_until) > now),
        )
    )
    return list(rows.scalars())


async def expert_member_ids(session: AsyncSession, expert_ids: Iterable[int]) -> dict[int, int]:
    """Expert id -> member id (notifications go to members)."""
    ids = list(set(expert_ids))
    if not ids:
        return {}
    rows = await session.execute(select(key_col(Expert.id), col(Expert.member_id)).where(col(Expert.id).in_(ids)))
    return dict(rows.all())


async def bump_experts(session: AsyncSession, expert_ids: Iterable[int], **deltas: int) -> list[int]:
    """Atomic counter changes (never read-modify-write); returns the ids, sorted."""
    ids = sorted(set(expert_ids))
    if ids:
        values = {name: getattr(Expert, name) + delta for name, delta in deltas.items()}
        await session.execute(
            update(Expert).where(col(Expert.id).in_(ids)).values(**values).execution_options(synchronize_session=False)
        )
    return ids


async def take_capacity(session: AsyncSession, expert_id: int) -> bool:
    """One more open consultation (and one more answered offer) for the expert, if below their maximum."""
    done = await session.execute(
        update(Expert)
        .where(col(Expert.id) == expert_id, col(Expert.open_consultations) < col(Expert.max_open_consultations))
        .values(open_consultations=col(Expert.open_consultations) + 1, offers_answered=col(Expert.offers_answered) + 1)
        .execution_options(synchronize_session=False)
    )
    return affected(done) == 1


async def release_capacity(session: AsyncSession, expert_id: int) -> None:
    await session.execute(
        update(Expert)
        .where(col(Expert.id) == expert_id, col(Expert.open_consultations) > 0)
        .values(open_consultations=col(Expert.open_consultations) - 1)
        .execution_options(synchronize_session=False)
    )


# What routing needs of an expert, as plain column rows: no ORM entities on the hot path.
CANDIDATE_COLUMNS = (
    col(Expert.id),
    col(Expert.member_id),
    col(Expert.external_id),
    col(Expert.country),
    col(Expert.coverage_countries),
    col(Expert.languages),
    col(Expert.categories),
    col(Expert.specialties),
    col(Expert.bio),
    col(Expert.available),
    col(Expert.away_until),
    col(Expert.max_open_consultations),
    col(Expert.open_consultations),
    col(Expert.market_ties),
    col(Expert.conflicts),
    col(Expert.offers_received),
    col(Expert.offers_answered),
    col(Member.full_name),
    col(Member.vetting_status),
    col(Member.vetted_until),
)


async def candidate_rows(session: AsyncSession, expert_ids: Iterable[int]) -> list[Row]:
    """Fresh CANDIDATE_COLUMNS rows for these experts, in one query."""
    ids = list(expert_ids)
    if not ids:
        return []
    rows = await session.execute(
        select(*CANDIDATE_COLUMNS).join(Member, col(Member.id) == col(Expert.member_id)).where(col(Expert.id).in_(ids))
    )
    return list(rows.all())


# --- the ticket: timeline, messages, opinions, attachments ------------------------------------------


async def timeline_view(session: AsyncSession, consultation_id: int) -> list[ConsultationEvent]:
    """The events in order, each with its actor's member row (None: the desk itself)."""
    rows = await session.execute(
        select(ConsultationEvent)
        .where(col(ConsultationEvent.consultation_id) == consultation_id)
        .options(joinedload(rel(ConsultationEvent.actor)))
        .order_by(col(ConsultationEvent.id))
        .execution_options(populate_existing=True)
    )
    return list(rows.scalars().unique())


async def message_views(
    session: AsyncSession, consultation_id: int | None = None, *, message_id: int | None = None
) -> list[Message]:
    """A consultation's messages (or one message) in order, each with its author's member row."""
    where = col(Message.consultation_id) == consultation_id if message_id is None else col(Message.id) == message_id
    rows = await session.execute(
        select(Message)
        .where(where)
        .options(joinedload(rel(Message.author), innerjoin=True))
        .order_by(col(Message.id))
        .execution_options(populate_existing=True)
    )
    return list(rows.scalars().unique())


async def latest_opinion(session: AsyncSession, consultation_id: int) -> Opinion | None:
    return (
        await session.execute(
            select(Opinion)
            .where(col(Opinion.consultation_id) == consultation_id)
            .order_by(col(Opinion.id).desc())
            .limit(1)
        )
    ).scalar_one_or_none()


async def attachments(session: AsyncSession, consultation_id: int) -> list[Attachment]:
    rows = await session.execute(
        select(Attachment).where(col(Attachment.consultation_id) == consultation_id).order_by(col(Attachment.id))
    )
    return list(rows.scalars().all())


async def attachment(session: AsyncSession, consultation_id: int, attachment_id: int) -> Attachment | None:
    return (
        await session.execute(
            select(Attachment).where(
                col(Attachment.id) == attachment_id, col(Attachment.consultation_id) == consultation_id
            )
        )
    ).scalar_one_or_none()


async def expert(session: AsyncSession, expert_id: int) -> Expert | None:
    return (await session.execute(select(Expert).where(col(Expert.id) == expert_id))).scalar_one_or_none()


# --- what the page header and the live fragments poll (cheap, indexed) -----------------------------


async def open_offer_ids_of_member(session: AsyncSession, member_id: int) -> list[int]:
    """The ids of an expert's open offers, by their member id (one indexed join, no row loads)."""
    rows = await session.execute(
        select(key_col(Offer.id))
        .join(Expert, col(Expert.id) == col(Offer.expert_id))
        .where(col(Expert.member_id) == member_id, col(Offer.status) == OfferStatus.open)
        .order_by(col(Offer.id))
    )
    return list(rows.scalars())


async def urgencies(session: AsyncSession, consultation_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted(set(consultation_ids))
    if not ids:
        return {}
    rows = await session.execute(
        select(col(Consultation.id), col(Consultation.urgency)).where(col(Consultation.id).in_(ids))
    )
    return {row.id: row.urgency for row in rows}
