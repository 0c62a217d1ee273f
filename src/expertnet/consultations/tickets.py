"""The ticket of an accepted consultation: messages between the official and the expert, the
expert's structured opinion, and closing with an outcome.

Services never commit; each change writes its timeline event, index announcement and
notification in the same transaction (consultations.effects), and locks the consultation row
first (the desk's lock order: consultation -> offers -> experts).
"""

from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.consultations import effects, repository
from expertnet.consultations.access import ADMIN, ASSIGNED, REQUESTER, Ctx, access, audit_change
from expertnet.consultations.models import ASSIGNED_STATUSES, TERMINAL_STATUSES, Consultation, Message, Opinion, Status
from expertnet.consultations.schemas import CloseIn, OpinionIn
from expertnet.core.errors import Conflict, Forbidden
from expertnet.db import utcnow
from expertnet.core.models import pk


def _require_ticket_open(c: Consultation, what: str) -> None:
    if c.status in TERMINAL_STATUSES:
        raise Conflict(f"status: the consultation is {c.status}; no more {what}")
    if c.status not in ASSIGNED_STATUSES:
        raise Conflict(f"status: no expert has accepted the consultation yet (it is {c.status})")


async def post_message(session: AsyncSession, ctx: Ctx, consultation_id: int, body: str) -> Message:
    acc = await access(session, ctx, consultation_id, "message", roles=(REQUESTER, ASSIGNED, ADMIN), for_update=True)
    c = acc.consultation
    if acc.role == ADMIN:
        raise Forbidden("only the requesting official and the assigned expert write on the ticket")
    # While escalated the request waits for the secretariat: the official may answer it there.
    to_secretariat = acc.role == REQUESTER and c.status == Status.escalated
    if not to_secretariat:
        _require_ticket_open(c, "messages")
    message = Message(consultation_id=pk(c), author_id=pk(ctx.principal), body=body)
    await repository.add(session, message)
    effects.event(session, pk(c), pk(ctx.principal), "message", message_id=pk(message))
    if to_secretariat:
        other = await repository.admin_ids(session, utcnow())
    elif acc.role == REQUESTER:
        other = await effects.expert_members(session, [c.assigned_expert_id])
    else:
        other = [c.requester_id]
    effects.notify(
        session,
        c,
        "message",
        other,
        f"{effects.label(c)}: new message",
        f"{ctx.principal.full_name} wrote on the ticket.",
    )
    effects.changed(session, c)
    return message


async def give_opinion(session: AsyncSession, ctx: Ctx, consultation_id: int, data: OpinionIn) -> Opinion:
    acc = await access(session, ctx, consultation_id, "opinion", roles=(ASSIGNED,), for_update=True)
    c = acc.consultation
    assert acc.expert is not None  # the ASSIGNED role is granted only with the assigned expert's row
    _require_ticket_open(c, "opinions")
    opinion = Opinion(consultation_id=pk(c), expert_id=pk(acc.expert), author_id=pk(ctx.principal), **data.model_dump())
    await repository.add(session, opinion)
    revision = c.status == Status.answered
    if c.status == Status.accepted:
        c.status = Status.answered
        c.answered_at = utcnow()
    effects.event(
        session,
        pk(c),
        pk(ctx.principal),
        "opinion",
        opinion_id=pk(opinion),
        revision=revision,
        authenticity=data.authenticity,
        confidence=data.confidence,
    )
    effects.notify(
        session,
        c,
        "opinion",
        [c.requester_id],
        f"{effects.label(c)}: the expert's opinion",
        f"{ctx.principal.full_name} {'revised' if revision else 'gave'} a written opinion.",
    )
    effects.changed(session, c)
    await audit_change(session, ctx, pk(c), "opinion", opinion_id=pk(opinion))
    return opinion


async def close(session: AsyncSession, ctx: Ctx, consultation_id: int, data: CloseIn) -> Consultation:
    acc = await access(session, ctx, consultation_id, "close", roles=(REQUESTER,), for_update=True)
    c = acc.consultation
    if c.status not in ASSIGNED_STATUSES:
        raise Conflict(f"status: only an accepted or answered consultation can be closed; this one is {c.status}")
    now = utcnow()
    c.status = Status.closed
    c.closed_at = now
    c.outcome = data.outcome
    c.outcome_detail = data.outcome_detail
    c.rating = data.rating
    if c.assigned_expert_id:
        await effects.release_expert(session, c.assigned_expert_id)
    effects.event(session, pk(c), pk(ctx.principal), "closed", outcome=data.outcome, rating=data.rating)
    effects.notify(
        session,
        c,
        "closed",
        await effects.expert_members(session, [c.assigned_expert_id]),
        f"{effects.label(c)}: closed",
        f"The requesting official closed the consultation (outcome: {data.outcome}). Thank you.",
    )
    effects.changed(session, c)
    await audit_change(session, ctx, pk(c), "close", outcome=data.outcome, rating=data.rating)
    return c


async def secretariat_message(session: AsyncSession, ctx: Ctx, consultation_id: int, body: str) -> Message:
    """Admin: a message to the requesting official on a request that is still open (an escalated
    one above all: a question about languages or the object). It goes on the ticket's messages,
    which the assigned expert reads later too, and the official is notified."""
    acc = await access(session, ctx, consultation_id, "secretariat_message", roles=(ADMIN,), for_update=True)
    c = acc.consultation
    if c.status in TERMINAL_STATUSES or c.status == Status.draft:
        raise Conflict(f"status: the consultation is {c.status}; the requester cannot be written to here")
    message = Message(consultation_id=pk(c), author_id=pk(ctx.principal), body=body)
    await repository.add(session, message)
    effects.event(session, pk(c), pk(ctx.principal), "message", message_id=pk(message), secretariat=True)
    effects.notify(
        session,
        c,
        "message",
        [c.requester_id],
        f"{effects.label(c)}: message from the secretariat",
        "The network secretariat wrote to you about your request.",
    )
    effects.changed(session, c)
    await audit_change(session, ctx, pk(c), "secretariat_message", message_id=pk(message))
    return message
