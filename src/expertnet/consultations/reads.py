"""The desk's reads, each one audited: a consultation with its offers, the lists (own requests,
offers, escalations), the timeline, messages and the latest opinion.

Every read checks object-level access first (consultations.access); what a role may see of the
offers is decided here (the requester and admins all of them, an expert only their own).
"""
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.consultations import repository
from expertnet.consultations.access import (
    ADMIN,
    ASSIGNED,
    REQUESTER,
    Ctx,
    access,
    acting_role,
    audit_read,
    own_expert,
)
from expertnet.consultations.models import Consultation, Message, Offer, OfferStatus, Opinion
from expertnet.consultations.schemas import (
    ConsultationOut,
    ConsultationSummary,
    EventOut,
    MessageOut,
    OfferOut,
    OpinionOut,
)
from expertnet.core import audit
from expertnet.core.errors import NotFound
from expertnet.experts.models import Expert
from expertnet.members.models import Role


async def _offers_out(session: AsyncSession, where) -> list[OfferOut]:
    rows = await repository.offer_rows(session, where)
    return [
        OfferOut(
            id=o.id, consultation_id=o.consultation_id, expert_id=o.expert_id, expert_external_id=ext,
            expert_name=name, round=o.round, rank=o.rank, score=o.score, reasons=list(o.reasons), status=o.status,
            offered_at=o.offered_at, expires_at=o.expires_at, responded_at=o.responded_at,
            decline_reason=o.decline_reason,
        )
        for o, ext, name in rows
    ]


async def offer_out(session: AsyncSession, offer_id: int) -> OfferOut:
    return (await _offers_out(session, Offer.id == offer_id))[0]


async def consultation_out(session: AsyncSession, c: Consultation, acc_role: str, expert: Expert | None = None) -> ConsultationOut:
    requester = await repository.member(session, c.requester_id)
    if requester is None:
        raise NotFound("member not found")
    assigned_name = None
    if c.assigned_expert_id:
        assigned_name = await repository.expert_name(session, c.assigned_expert_id)
    if acc_role in (REQUESTER, ADMIN):
        offers = await _offers_out(session, repository.offers_of_consultation(c.id))
    elif expert is not None:
        offers = await _offers_out(session, repository.offers_of_consultation(c.id, expert.id))
    else:
        offers = []
    return ConsultationOut(
        id=c.id, requester_id=c.requester_id, requester_name=requester.full_name,
        requester_organisation=requester.organisation, title=c.title, description=c.description,
        category=c.category, inferred_category=c.inferred_category, location_country=c.location_country,
        object_origin_country=c.object_origin_country, languages=list(c.languages), urgency=c.urgency,
        deadline=c.deadline, exclude_market_ties=c.exclude_market_ties, offer_width=c.offer_width,
        status=c.status, assigned_expert_id=c.assigned_expert_id, assigned_expert_name=assigned_name,
        outcome=c.outcome, outcome_detail=c.outcome_detail, rating=c.rating, submitted_at=c.submitted_at,
        accepted_at=c.accepted_at, answered_at=c.answered_at, closed_at=c.closed_at,
        escalated_at=c.escalated_at, created_at=c.created_at, updated_at=c.updated_at, version=c.version,
        offers=offers,
    )


async def out_for(session: AsyncSession, ctx: Ctx, c: Consultation) -> ConsultationOut:
    """The view of a consultation the acting principal just changed (no extra audit row: the change
    itself is logged)."""
    role, expert = await acting_role(session, ctx, c)
    return await consultation_out(session, c, role, expert)


async def read(session: AsyncSession, ctx: Ctx, consultation_id: int) -> ConsultationOut:
    acc = await access(session, ctx, consultation_id, "read")
    await audit_read(session, ctx, consultation_id, "detail")
    return await consultation_out(session, acc.consultation, acc.role, acc.expert)


async def timeline(session: AsyncSession, ctx: Ctx, consultation_id: int) -> list[EventOut]:
    await access(session, ctx, consultation_id, "timeline", roles=(REQUESTER, ASSIGNED, ADMIN))
    await audit_read(session, ctx, consultation_id, "timeline")
    return [
        EventOut(id=e.id, at=e.at, actor_id=e.actor_id, actor_name=name, kind=e.kind, detail=dict(e.detail))
        for e, name in await repository.timeline(session, consultation_id)
    ]


async def messages(session: AsyncSession, ctx: Ctx, consultation_id: int) -> list[MessageOut]:
    await access(session, ctx, consultation_id, "messages", roles=(REQUESTER, ASSIGNED, ADMIN))
    await audit_read(session, ctx, consultation_id, "messages")
    return [message_out(m, name) for m, name in await repository.messages(session, consultation_id)]


def message_out(m: Message, author_name: str) -> MessageOut:
    return MessageOut(id=m.id, consultation_id=m.consultation_id, author_id=m.author_id, author_name=author_name,
                      body=m.body, created_at=m.created_at)


def opinion_out(o: Opinion) -> OpinionOut:
    return OpinionOut.model_validate(o)


async def opinion(session: AsyncSession, ctx: Ctx, consultation_id: int) -> OpinionOut | None:
    """The latest opinion, or None while there is none (the look is audited either way)."""
    await access(session, ctx, consultation_id, "opinion", roles=(REQUESTER, ASSIGNED, ADMIN))
    await audit_read(session, ctx, consultation_id, "opinion")
    latest = await repository.latest_opinion(session, consultation_id)
    return opinion_out(latest) if latest is not None else None


async def list_visible(
    session: AsyncSession, ctx: Ctx, *, status: str | None, offset: int, limit: int
) -> tuple[list[ConsultationSummary], int]:
    """Officials: their own; experts: offered (open offer) or assigned to them; admins: all."""
    p = ctx.principal
    if p.is_admin:
        scope = {}
    elif p.role == Role.expert:
        expert = await own_expert(session, p)
        if expert is None:
            return [], 0
        scope = {"expert_id": expert.id}
    else:
        scope = {"requester_id": p.id}
    rows, total = await repository.visible_page(session, **scope, status=status, offset=offset, limit=limit)
    items = [ConsultationSummary.model_validate(c) for c in rows]
    await audit.record(
        session, "consultation.list", actor_id=p.id, object_type="consultation", reason=ctx.reason, ip=ctx.ip,
        detail={"ids": [c.id for c in items], "status": status},
    )
    return items, total


async def expert_offers(session: AsyncSession, ctx: Ctx, status: str | None = OfferStatus.open) -> list[OfferOut]:
    expert = await own_expert(session, ctx.principal)
    if expert is None:
        return []
    offers = await _offers_out(session, repository.offers_of_expert(expert.id, status))
    await audit.record(
        session, "consultation.list", actor_id=ctx.principal.id, object_type="offer", reason=ctx.reason, ip=ctx.ip,
        detail={"offer_ids": [o.id for o in offers], "status": status},
    )
    return offers
