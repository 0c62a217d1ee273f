"""Time running out, for the periodic job (consultations.tasks): unanswered offers expire and move
on to the next candidates; a request whose detention deadline passed before anyone accepted
expires.

Each function handles one consultation and takes its row lock first (the desk's lock order:
consultation -> offers -> experts); status and time are checked again under the lock, so several
workers may run the job at once and an accept racing the job still has exactly one outcome.
"""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.consultations import effects, repository
from expertnet.consultations.models import SEEKING_STATUSES, Status
from expertnet.consultations.offers import offer_next
from expertnet.search import AsyncSearch
from expertnet.core.models import pk


async def due_offer_consultations(session: AsyncSession, now: datetime, limit: int = 100) -> list[int]:
    return await repository.due_offer_consultation_ids(session, now, limit)


async def expire_offers(session: AsyncSession, search: AsyncSearch, consultation_id: int, now: datetime) -> int:
    """Expire the offers of one consultation that waited too long; move on to the next candidates."""
    c = await repository.get(session, consultation_id, for_update=True)
    if c is None:
        return 0
    due = await repository.expire_due_offers(session, pk(c), now)
    if not due:
        return 0
    effects.event(session, pk(c), None, "offers_expired", expert_ids=[o.expert_id for o in due])
    effects.notify(
        session,
        c,
        "expired",
        await effects.expert_members(session, [o.expert_id for o in due]),
        f"{effects.label(c)}: your offer expired",
        "The offer was not answered in time and has moved on to another expert.",
    )
    if c.status == Status.offered:
        await offer_next(session, search, c)
    effects.changed(session, c)
    return len(due)


async def due_deadline_consultations(session: AsyncSession, now: datetime, limit: int = 100) -> list[int]:
    return await repository.due_deadline_ids(session, now, limit)


async def expire_request(session: AsyncSession, consultation_id: int, now: datetime) -> bool:
    """The detention deadline passed before any expert accepted: the request expires."""
    c = await repository.get(session, consultation_id, for_update=True)
    if c is None or c.status not in SEEKING_STATUSES or c.deadline is None or c.deadline > now:
        return False
    closed = [r.expert_id for r in await repository.close_open_offers(session, pk(c), now)]
    c.status = Status.expired
    c.closed_at = now
    effects.event(session, pk(c), None, "expired", reason="the detention deadline passed before an expert accepted")
    effects.notify(
        session,
        c,
        "expired",
        [c.requester_id, *await effects.expert_members(session, closed)],
        f"{effects.label(c)}: expired",
        "The detention deadline passed before an expert accepted the consultation.",
    )
    effects.changed(session, c)
    return True
