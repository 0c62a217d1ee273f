"""The desk's reads, each one audited: a consultation with its offers, the lists (own requests,
offers, escalations), the timeline, messages and the latest opinion.

Every read checks object-level access first (consultations.access); what a role may see of the
offers is decided here (the requester and admins all of them, an expert only their own). The
read models are validated from the rows the repository's `*_view` queries return, with the
related rows they need already loaded.
"""

import hashlib

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
from expertnet.consultations.models import Consultation, Message, OfferStatus, Opinion
from expertnet.consultations.schemas import (
    ConsultationOut,
    ConsultationSummary,
    EventOut,
    MessageOut,
    OfferOut,
    OpinionOut,
)
from expertnet.core import audit
from expertnet.experts.models import Expert
from expertnet.members.models import Role
from expertnet.core.models import pk


async def offer_out(session: AsyncSession, offer_id: int) -> OfferOut:
    return OfferOut.model_validate((await repository.offer_views(session, offer_id=offer_id))[0])


async def consultation_out(
    session: AsyncSession, c: Consultation, acc_role: str, expert: Expert | None = None
) -> ConsultationOut:
    if acc_role in (REQUESTER, ADMIN):
        view = await repository.consultation_view(session, pk(c), all_offers=True)
    elif expert is not None:
        view = await repository.consultation_view(session, pk(c), offers_of_expert=pk(expert))
    else:
        view = await repository.consultation_view(session, pk(c))
    return ConsultationOut.model_validate(view)


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
    return [EventOut.model_validate(e) for e in await repository.timeline_view(session, consultation_id)]


async def messages(session: AsyncSession, ctx: Ctx, consultation_id: int) -> list[MessageOut]:
    await access(session, ctx, consultation_id, "messages", roles=(REQUESTER, ASSIGNED, ADMIN))
    await audit_read(session, ctx, consultation_id, "messages")
    return [MessageOut.model_validate(m) for m in await repository.message_views(session, consultation_id)]


async def message_out(session: AsyncSession, m: Message) -> MessageOut:
    """The view of a message just written (no audit row: the writing is on the timeline)."""
    return MessageOut.model_validate((await repository.message_views(session, message_id=m.id))[0])


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
        session,
        "consultation.list",
        actor_id=p.id,
        object_type="consultation",
        reason=ctx.reason,
        ip=ctx.ip,
        detail={"ids": [c.id for c in items], "status": status},
    )
    return items, total


async def expert_offers(session: AsyncSession, ctx: Ctx, status: str | None = OfferStatus.open) -> list[OfferOut]:
    expert = await own_expert(session, ctx.principal)
    if expert is None:
        return []
    offers = [
        OfferOut.model_validate(o) for o in await repository.offer_views(session, expert_id=expert.id, status=status)
    ]
    await audit.record(
        session,
        "consultation.list",
        actor_id=ctx.principal.id,
        object_type="offer",
        reason=ctx.reason,
        ip=ctx.ip,
        detail={"offer_ids": [o.id for o in offers], "status": status},
    )
    return offers


# --- polling: what changed, without reading (or auditing) the case ---------------------------------


async def waiting_offer_ids(session: AsyncSession, member_id: int) -> list[int]:
    """The ids of the expert's open offers, for the header's count and the offer list's change
    check. Ids only, nothing of a case: not audited (the list, when shown, is)."""
    return await repository.open_offer_ids_of_member(session, member_id)


async def live_state(session: AsyncSession, ctx: Ctx, consultation_id: int) -> tuple[int, str, str]:
    """(version, status, role) of a consultation the principal may read, for a poll's change
    check. Object-level access as for a read (a stranger gets Denied, logged); the version and
    status alone are not audited: the content a changed poll returns is, by the audited reads."""
    acc = await access(session, ctx, consultation_id, "live")
    return acc.consultation.version, acc.consultation.status, acc.role


async def urgencies_of_notified(session: AsyncSession, consultation_ids: list[int]) -> dict[int, str]:
    """The urgency of the consultations a member's own notifications name (their subjects say it
    too), for the notifications page."""
    return await repository.urgencies(session, consultation_ids)


def offers_fingerprint(offer_ids: list[int]) -> str:
    """A short fingerprint of a set of open offers (the offer list's change check)."""
    joined = ",".join(str(i) for i in sorted(offer_ids))
    return hashlib.sha256(joined.encode()).hexdigest()[:16]
