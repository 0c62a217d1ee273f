"""Queries of the retention job: what is due, and the erasure of one consultation's case material."""

from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.objects.models import CaseObject
from expertnet.consultations.models import Attachment, Consultation, ConsultationEvent, Message, Offer, Opinion, Status
from expertnet.retention.models import RetentionReview
from sqlmodel import col
from expertnet.db import affected

# Ended without an outcome: the status names the period.
STATUS_RULES = (Status.expired, Status.withdrawn)


def rule_expr():
    """The rule (outcome or status) that applies to a consultation row, as SQL."""
    from sqlalchemy import case

    return case(
        (col(Consultation.status).in_(STATUS_RULES), col(Consultation.status)),
        else_=func.coalesce(col(Consultation.outcome), "other"),
    )


def _due_condition(rules: dict[str, int], now: datetime):
    ended = []
    for rule, days in rules.items():
        cutoff = now - timedelta(days=days)
        if rule in STATUS_RULES:
            ended.append(and_(col(Consultation.status) == rule, col(Consultation.closed_at) <= cutoff))
        elif rule == "other":
            ended.append(
                and_(
                    col(Consultation.status) == Status.closed,
                    or_(col(Consultation.outcome) == rule, col(Consultation.outcome).is_(None)),
                    col(Consultation.closed_at) <= cutoff,
                )
            )
        else:
            ended.append(
                and_(
                    col(Consultation.status) == Status.closed,
                    col(Consultation.outcome) == rule,
                    col(Consultation.closed_at) <= cutoff,
                )
            )
    return or_(*ended)


def _due_query(rules: dict[str, int], now: datetime):
    return (
        select(Consultation, RetentionReview)
        .outerjoin(RetentionReview, col(RetentionReview.consultation_id) == col(Consultation.id))
        .where(
            col(Consultation.closed_at).is_not(None),
            col(RetentionReview.erased_at).is_(None),
            _due_condition(rules, now),
        )
    )


async def due(session: AsyncSession, rules: dict[str, int], now: datetime, *, offset: int = 0, limit: int = 500):
    """(consultation, its review row or None) past their review date and not erased, oldest first."""
    query = (
        _due_query(rules, now).order_by(col(Consultation.closed_at), col(Consultation.id)).offset(offset).limit(limit)
    )
    return [(c, r) for c, r in (await session.execute(query)).all()]


async def due_count(session: AsyncSession, rules: dict[str, int], now: datetime) -> int:
    query = select(func.count()).select_from(_due_query(rules, now).subquery())
    return (await session.execute(query)).scalar_one()


async def review(session: AsyncSession, consultation_id: int) -> RetentionReview | None:
    return await session.get(RetentionReview, consultation_id, populate_existing=True)


async def lock(session: AsyncSession, consultation_id: int) -> Consultation | None:
    query = select(Consultation).where(col(Consultation.id) == consultation_id).with_for_update()
    return (await session.execute(query.execution_options(populate_existing=True))).scalar_one_or_none()


async def stored_names(session: AsyncSession, consultation_id: int) -> list[str]:
    query = select(col(Attachment.stored_name)).where(col(Attachment.consultation_id) == consultation_id)
    return list((await session.execute(query)).scalars())


async def erase_material(session: AsyncSession, consultation_id: int) -> dict[str, int]:
    """Delete messages, opinions, objects and attachment rows; blank the free text of events and offers.
    Returns how many rows of each went."""
    counts = {}
    # Objects go with their photo links and vectors (ON DELETE CASCADE), photos with their pHashes.
    for name, model in (
        ("messages", Message),
        ("opinions", Opinion),
        ("objects", CaseObject),
        ("attachments", Attachment),
    ):
        result = await session.execute(delete(model).where(col(model.consultation_id) == consultation_id))
        counts[name] = affected(result) or 0
    result = await session.execute(
        update(ConsultationEvent).where(col(ConsultationEvent.consultation_id) == consultation_id).values(detail={})
    )
    counts["events_blanked"] = affected(result) or 0
    await session.execute(update(Offer).where(col(Offer.consultation_id) == consultation_id).values(decline_reason=""))
    return counts
