"""Filing a request: the draft, its edits, the preview of who would be offered it, and submitting it.

Services never commit: the request owns the transaction. Submitting routes the request at once
(consultations.offers) in the same transaction as the status change.
"""

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.consultations import effects, offers, repository, routing
from expertnet.consultations.access import ADMIN, REQUESTER, Ctx, access, audit_change, audit_read
from expertnet.consultations.models import Consultation, Status, Urgency
from expertnet.consultations.schemas import CandidateOut, ConsultationCreate, ConsultationUpdate
from expertnet.core import outbox
from expertnet.core.errors import Conflict, NotFound, field_error
from expertnet.db import utcnow
from expertnet.search import AsyncSearch
from expertnet.core.models import pk


def derive_urgency(deadline: datetime | None, now: datetime) -> Urgency:
    if deadline is None:
        return Urgency.routine
    left = deadline - now
    if left <= timedelta(hours=24):
        return Urgency.critical
    if left <= timedelta(hours=72):
        return Urgency.urgent
    return Urgency.routine


def _check_deadline(deadline: datetime | None, now: datetime) -> None:
    if deadline is not None and deadline <= now:
        raise field_error("deadline", "is in the past")


async def create_draft(session: AsyncSession, ctx: Ctx, data: ConsultationCreate) -> Consultation:
    now = utcnow()
    _check_deadline(data.deadline, now)
    member = await repository.member(session, ctx.principal.id)
    if member is None:
        raise NotFound("member not found")
    text = f"{data.title}\n{data.description}"
    c = Consultation(
        requester_id=pk(member),
        title=data.title,
        description=data.description,
        category=data.category,
        inferred_category=None if data.category else routing.infer_category(text),
        location_country=data.location_country,
        object_origin_country=data.object_origin_country,
        languages=list(data.languages or member.languages or ["en"]),
        urgency=data.urgency or derive_urgency(data.deadline, now),
        deadline=data.deadline,
        exclude_market_ties=data.exclude_market_ties,
        status=Status.draft,
        created_at=now,
        updated_at=now,
    )
    await repository.add(session, c)
    effects.event(session, pk(c), pk(member), "created")
    outbox.emit(session, "index.consultation", pk(c))
    await audit_change(session, ctx, pk(c), "create")
    return c


async def update_draft(session: AsyncSession, ctx: Ctx, consultation_id: int, data: ConsultationUpdate) -> Consultation:
    acc = await access(session, ctx, consultation_id, "update", roles=(REQUESTER,), for_update=True)
    c = acc.consultation
    if c.status != Status.draft:
        raise Conflict(f"status: only a draft can be edited; this consultation is {c.status}")
    if data.version != c.version:
        raise Conflict("version: the draft was changed elsewhere; reload and try again")
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    for name in ("title", "description", "location_country", "languages"):
        if name in changes and changes[name] is None:
            raise field_error(name, "may not be empty")
    now = utcnow()
    if "deadline" in changes:
        _check_deadline(changes["deadline"], now)
    for name, value in changes.items():
        setattr(c, name, value)
    if "deadline" in changes and "urgency" not in changes and changes["deadline"] is not None:
        c.urgency = derive_urgency(c.deadline, now)
    if c.urgency is None:
        c.urgency = derive_urgency(c.deadline, now)
    c.inferred_category = None if c.category else routing.infer_category(f"{c.title}\n{c.description}")
    effects.event(session, pk(c), pk(ctx.principal), "updated", fields=sorted(changes))
    effects.changed(session, c)
    return c


async def preview_candidates(
    session: AsyncSession, search: AsyncSearch, ctx: Ctx, consultation_id: int, top: int = 10
) -> list[CandidateOut]:
    """The ranked candidates with reasons, as submitting would offer them (a draft's preview)."""
    acc = await access(session, ctx, consultation_id, "candidates", roles=(REQUESTER, ADMIN))
    c = acc.consultation
    await audit_read(session, ctx, pk(c), "candidates")
    return [CandidateOut.model_validate(found) for found in await offers.rank_for(session, search, c, top)]


async def submit(
    session: AsyncSession, search: AsyncSearch, ctx: Ctx, consultation_id: int, offer_count: int = 3
) -> Consultation:
    c, _offered = await submit_counted(session, search, ctx, consultation_id, offer_count)
    return c


async def submit_counted(
    session: AsyncSession, search: AsyncSearch, ctx: Ctx, consultation_id: int, offer_count: int = 3
) -> tuple[Consultation, int]:
    """Submit, and say how many experts got the offer (0: escalated, nobody matched)."""
    acc = await access(session, ctx, consultation_id, "submit", roles=(REQUESTER,), for_update=True)
    c = acc.consultation
    if c.status != Status.draft:
        raise Conflict(f"status: already submitted (the consultation is {c.status})")
    now = utcnow()
    if c.deadline is not None and c.deadline <= now:
        raise field_error("deadline", "has passed; edit the draft")
    c.status = Status.submitted
    c.submitted_at = now
    c.offer_width = offer_count
    effects.event(session, pk(c), pk(ctx.principal), "submitted", offer_count=offer_count)
    made = await offers.offer_next(session, search, c)
    effects.changed(session, c)
    await audit_change(session, ctx, pk(c), "submit")
    return c, len(made)
