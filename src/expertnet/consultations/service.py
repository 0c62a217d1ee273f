"""The desk's API use cases, one per endpoint: do the action, answer with its read model.

The work is done by the modules that say what they hold; this facade only pairs an action with
the view its caller gets back, so that a controller makes one call:
- access: Ctx, Denied, object-level access, the audit of reads and changes
- intake: drafts, preview of the candidates, submit
- offers: routing to offers, accept / decline, escalation, re-offer, withdrawal (and the lock order)
- expiry: offer timeouts and detention deadlines (the periodic job)
- tickets: messages, the opinion, closing
- reads: the read models (consultation, lists, timeline, messages, opinion)
- repository: every query
Page handlers (expertnet.web.consultations) call those modules directly: after an action they
redirect, so they need no view of the change.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.consultations import intake, offers, reads, tickets
from expertnet.consultations.access import DEFAULT_REASON, Ctx, Denied
from expertnet.consultations.reads import expert_offers, list_visible, messages, opinion, read, timeline
from expertnet.consultations.schemas import (
    CandidateOut,
    CloseIn,
    ConsultationCreate,
    ConsultationOut,
    ConsultationPage,
    ConsultationUpdate,
    MessageIn,
    MessageOut,
    OfferOut,
    OpinionIn,
    OpinionOut,
    ReasonIn,
    ReofferIn,
    SubmitIn,
)
from expertnet.search import AsyncSearch
from expertnet.core.models import pk

__all__ = [
    "DEFAULT_REASON",
    "Ctx",
    "Denied",
    "accept",
    "candidates",
    "close",
    "create",
    "decline",
    "expert_offers",
    "give_opinion",
    "list_visible",
    "messages",
    "opinion",
    "page",
    "post_message",
    "read",
    "reoffer",
    "submit",
    "timeline",
    "update",
    "withdraw",
]

DEFAULT_OFFER_COUNT = 3


async def create(session: AsyncSession, ctx: Ctx, data: ConsultationCreate) -> ConsultationOut:
    return await reads.out_for(session, ctx, await intake.create_draft(session, ctx, data))


async def update(session: AsyncSession, ctx: Ctx, consultation_id: int, data: ConsultationUpdate) -> ConsultationOut:
    return await reads.out_for(session, ctx, await intake.update_draft(session, ctx, consultation_id, data))


async def page(session: AsyncSession, ctx: Ctx, *, status: str | None, offset: int, limit: int) -> ConsultationPage:
    items, total = await reads.list_visible(session, ctx, status=status, offset=offset, limit=limit)
    return ConsultationPage(items=items, total=total, offset=offset, limit=limit)


async def candidates(
    session: AsyncSession, search: AsyncSearch, ctx: Ctx, consultation_id: int, top: int
) -> list[CandidateOut]:
    return await intake.preview_candidates(session, search, ctx, consultation_id, top)


async def submit(
    session: AsyncSession, search: AsyncSearch, ctx: Ctx, consultation_id: int, data: SubmitIn | None
) -> ConsultationOut:
    count = data.offer_count if data else DEFAULT_OFFER_COUNT
    return await reads.out_for(session, ctx, await intake.submit(session, search, ctx, consultation_id, count))


async def withdraw(session: AsyncSession, ctx: Ctx, consultation_id: int, data: ReasonIn | None) -> ConsultationOut:
    c = await offers.withdraw(session, ctx, consultation_id, data.reason if data else "")
    return await reads.out_for(session, ctx, c)


async def reoffer(
    session: AsyncSession, search: AsyncSearch, ctx: Ctx, consultation_id: int, data: ReofferIn
) -> ConsultationOut:
    return await reads.out_for(session, ctx, await offers.reoffer(session, search, ctx, consultation_id, data))


async def accept(session: AsyncSession, ctx: Ctx, offer_id: int) -> ConsultationOut:
    return await reads.out_for(session, ctx, await offers.accept_offer(session, ctx, offer_id))


async def decline(
    session: AsyncSession, search: AsyncSearch, ctx: Ctx, offer_id: int, data: ReasonIn | None
) -> OfferOut:
    offer = await offers.decline_offer(session, search, ctx, offer_id, data.reason if data else "")
    return await reads.offer_out(session, pk(offer))


async def post_message(session: AsyncSession, ctx: Ctx, consultation_id: int, data: MessageIn) -> MessageOut:
    message = await tickets.post_message(session, ctx, consultation_id, data.body)
    return await reads.message_out(session, message)


async def give_opinion(session: AsyncSession, ctx: Ctx, consultation_id: int, data: OpinionIn) -> OpinionOut:
    return reads.opinion_out(await tickets.give_opinion(session, ctx, consultation_id, data))


async def close(session: AsyncSession, ctx: Ctx, consultation_id: int, data: CloseIn) -> ConsultationOut:
    return await reads.out_for(session, ctx, await tickets.close(session, ctx, consultation_id, data))
