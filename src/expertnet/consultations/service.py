"""The consultation desk: drafts, routing to offers, accept/decline/expiry, the ticket, closing.

Services never commit: the request (or the periodic job) owns the transaction. Every change
writes a timeline event, emits "index.consultation" for the search indexer and, when someone must
act or be told, a "notify" event, all in the same transaction.

Concurrency: every transition takes the consultation row first (a conditional UPDATE for accept,
SELECT ... FOR UPDATE otherwise), then offers, then experts, so that two transactions never wait
on each other in opposite orders. Accept is a conditional UPDATE whose row count decides the
winner: exactly one, also on PostgreSQL under concurrent accepts.
"""
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.config import Settings
from expertnet.consultations import repository, routing
from expertnet.consultations.models import (
    ASSIGNED_STATUSES,
    OPEN_STATUSES,
    SEEKING_STATUSES,
    TERMINAL_STATUSES,
    Consultation,
    ConsultationEvent,
    Message,
    Offer,
    OfferStatus,
    Opinion,
    Status,
    Urgency,
)
from expertnet.consultations.schemas import (
    CloseIn,
    ConsultationCreate,
    ConsultationOut,
    ConsultationSummary,
    ConsultationUpdate,
    EventOut,
    MessageOut,
    OfferOut,
    OpinionIn,
    OpinionOut,
    ReofferIn,
)
from expertnet.core import audit, outbox
from expertnet.core.auth import Principal
from expertnet.core.errors import Conflict, Forbidden, NotFound, field_error
from expertnet.db import keep, utcnow
from expertnet.experts.models import Expert
from expertnet.members.models import Member, Role

# How long an offer stays open, by urgency; an explicit detention deadline shortens it.
OFFER_WINDOWS = {
    Urgency.routine: timedelta(hours=48),
    Urgency.urgent: timedelta(hours=12),
    Urgency.critical: timedelta(hours=3),
}
DEADLINE_FRACTION = 1 / 3  # an offer never takes more than this share of the time left
MIN_OFFER_WINDOW = timedelta(minutes=10)
DEFAULT_REASON = "case work"


# --- context, access, audit ------------------------------------------------------------------


@dataclass(frozen=True)
class Ctx:
    """Who acts, from where, and why (the `reason` of a read goes to the audit log)."""

    principal: Principal
    ip: str = ""
    reason: str = DEFAULT_REASON


class Denied(NotFound):
    """The principal may not see this consultation (or offer, attachment): a 404, whether the row
    exists or not. Raise it through `deny`, which keeps the denial's audit entry past the rollback."""

    def __init__(self, object_type: str = "consultation"):
        super().__init__(f"{object_type} not found")


async def deny(
    session: AsyncSession, ctx: Ctx, object_id: int | str, action: str, object_type: str = "consultation"
) -> Denied:
    async def write(s: AsyncSession) -> None:
        await audit.record(
            s,
            "consultation.denied",
            actor_id=ctx.principal.id,
            object_type=object_type,
            object_id=object_id,
            reason=ctx.reason,
            ip=ctx.ip,
            detail={"action": action, "role": ctx.principal.role},
        )

    await keep(session, write)
    return Denied(object_type)


async def _audit_read(session: AsyncSession, ctx: Ctx, consultation_id: int, part: str, **detail) -> None:
    await audit.record(
        session,
        "consultation.read",
        actor_id=ctx.principal.id,
        object_type="consultation",
        object_id=consultation_id,
        reason=ctx.reason,
        ip=ctx.ip,
        detail={"part": part, **detail},
    )


async def _audit_change(session: AsyncSession, ctx: Ctx | None, consultation_id: int, action: str, **detail) -> None:
    await audit.record(
        session,
        f"consultation.{action}",
        actor_id=ctx.principal.id if ctx else None,
        object_type="consultation",
        object_id=consultation_id,
        reason=ctx.reason if ctx else "",
        ip=ctx.ip if ctx else "",
        detail=detail,
    )


REQUESTER = "requester"
ASSIGNED = "assigned"  # the expert who accepted
OFFERED = "offered"  # an expert with an open offer
ADMIN = "admin"


@dataclass
class Access:
    consultation: Consultation
    role: str
    expert: Expert | None = None
    offer: Offer | None = None


async def own_expert(session: AsyncSession, principal: Principal) -> Expert | None:
    if principal.role != Role.expert:
        return None
    return await repository.expert_of_member(session, principal.id)


async def access(
    session: AsyncSession,
    ctx: Ctx,
    consultation_id: int,
    action: str,
    *,
    roles: Iterable[str] = (REQUESTER, ASSIGNED, OFFERED, ADMIN),
    for_update: bool = False,
) -> Access:
    """Object-level authorization: requester, assigned expert, expert with an open offer, admin.
    Anyone else - and anyone outside `roles` - gets Denied (404), whether the row exists or not."""
    roles = set(roles)
    c = await repository.get(session, consultation_id, for_update=for_update)
    if c is None:
        raise await deny(session, ctx, consultation_id, action)
    p = ctx.principal
    if p.is_admin:
        if ADMIN in roles:
            return Access(c, ADMIN)
        raise await deny(session, ctx, consultation_id, action)
    if c.requester_id == p.id:
        if REQUESTER in roles:
            return Access(c, REQUESTER)
        raise await deny(session, ctx, consultation_id, action)
    expert = await own_expert(session, p)
    if expert is not None:
        if c.assigned_expert_id == expert.id and ASSIGNED in roles:
            return Access(c, ASSIGNED, expert)
        if OFFERED in roles and c.assigned_expert_id != expert.id:
            offer = await repository.open_offer(session, c.id, expert.id)
            if offer is not None:
                return Access(c, OFFERED, expert, offer)
    raise await deny(session, ctx, consultation_id, action)


# --- helpers: timeline, outbox, notifications ------------------------------------------------


def _event(session: AsyncSession, consultation_id: int, actor_id: int | None, kind: str, **detail) -> None:
    repository.add_later(session, ConsultationEvent(consultation_id=consultation_id, actor_id=actor_id, kind=kind, detail=detail))


def _changed(session: AsyncSession, c: Consultation) -> None:
    c.updated_at = utcnow()
    c.version += 1
    outbox.emit(session, "index.consultation", c.id)


def _notify(session: AsyncSession, c: Consultation, kind: str, member_ids: Iterable[int | None], subject: str, body: str) -> None:
    ids = sorted({i for i in member_ids if i})
    if not ids:
        return
    outbox.emit(
        session,
        "notify",
        c.id,
        {
            "member_ids": ids,
            "kind": kind,
            "consultation_id": c.id,
            "subject": subject,
            "body": body,
            "url": f"/consultations/{c.id}",
        },
    )


def _label(c: Consultation) -> str:
    # Notifications leave the system (e-mail): no case details beyond the number and urgency.
    return f"Consultation #{c.id} ({c.urgency})"


async def _expert_member_ids(session: AsyncSession, expert_ids: Iterable[int]) -> dict[int, int]:
    return await repository.expert_member_ids(session, expert_ids)


async def _bump_experts(session: AsyncSession, expert_ids: Iterable[int], **deltas: int) -> None:
    """Atomic counter changes on experts (never read-modify-write), announced to the indexer."""
    for expert_id in await repository.bump_experts(session, expert_ids, **deltas):
        outbox.emit(session, "index.expert", expert_id)


# --- urgency and offer windows -----------------------------------------------------------------


def derive_urgency(deadline: datetime | None, now: datetime) -> Urgency:
    if deadline is None:
        return Urgency.routine
    left = deadline - now
    if left <= timedelta(hours=24):
        return Urgency.critical
    if left <= timedelta(hours=72):
        return Urgency.urgent
    return Urgency.routine


def offer_expiry(c: Consultation, now: datetime) -> datetime:
    """When an offer made now stops waiting for an answer."""
    expires = now + OFFER_WINDOWS.get(Urgency(c.urgency), OFFER_WINDOWS[Urgency.routine])
    if c.deadline is not None:
        left = c.deadline - now
        expires = min(expires, now + max(left * DEADLINE_FRACTION, MIN_OFFER_WINDOW))
    return expires


def routing_spec(c: Consultation) -> routing.RoutingSpec:
    return routing.RoutingSpec(
        title=c.title,
        description=c.description,
        category=c.category,
        location_country=c.location_country,
        object_origin_country=c.object_origin_country,
        languages=list(c.languages or ()),
        urgency=c.urgency,
        exclude_market_ties=c.exclude_market_ties,
    )


# --- drafts ------------------------------------------------------------------------------------


async def _member(session: AsyncSession, member_id: int) -> Member:
    member = await repository.member(session, member_id)
    if member is None:
        raise NotFound("member not found")
    return member


def _check_deadline(deadline: datetime | None, now: datetime) -> None:
    if deadline is not None and deadline <= now:
        raise field_error("deadline", "is in the past")


async def create_draft(session: AsyncSession, ctx: Ctx, data: ConsultationCreate) -> Consultation:
    now = utcnow()
    _check_deadline(data.deadline, now)
    member = await _member(session, ctx.principal.id)
    text = f"{data.title}\n{data.description}"
    c = Consultation(
        requester_id=member.id,
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
    _event(session, c.id, member.id, "created")
    outbox.emit(session, "index.consultation", c.id)
    await _audit_change(session, ctx, c.id, "create")
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
    _event(session, c.id, ctx.principal.id, "updated", fields=sorted(changes))
    _changed(session, c)
    return c


async def preview_candidates(
    session: AsyncSession, settings: Settings, ctx: Ctx, consultation_id: int, top: int = 10
) -> list[routing.Candidate]:
    """The ranked candidates with reasons, as submitting would offer them (a draft's preview)."""
    acc = await access(session, ctx, consultation_id, "candidates", roles=(REQUESTER, ADMIN))
    c = acc.consultation
    await _audit_read(session, ctx, c.id, "candidates")
    excluded = await repository.offered_expert_ids(session, c.id)
    requester = await _member(session, c.requester_id)
    return await routing.rank_candidates(
        session, settings, routing_spec(c), top=top, exclude_expert_ids=excluded,
        requester_id=requester.id, requester_org=requester.organisation, requester_country=requester.country,
    )


# --- submit, offers, escalation ---------------------------------------------------------------


async def submit(session: AsyncSession, settings: Settings, ctx: Ctx, consultation_id: int, offer_count: int = 3) -> Consultation:
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
    _event(session, c.id, ctx.principal.id, "submitted", offer_count=offer_count)
    await offer_next(session, settings, c)
    _changed(session, c)
    await _audit_change(session, ctx, c.id, "submit")
    return c


async def _make_offers(
    session: AsyncSession, c: Consultation, candidates: list[routing.Candidate], *, offered_by: int | None = None
) -> list[Offer]:
    now = utcnow()
    expires = offer_expiry(c, now)
    last_round = await repository.last_round(session, c.id)
    offers = []
    for rank, cand in enumerate(candidates, 1):
        offer = Offer(
            consultation_id=c.id,
            expert_id=cand.expert_id,
            round=last_round + 1,
            rank=rank,
            score=cand.score,
            reasons=list(cand.reasons),
            status=OfferStatus.open,
            offered_by=offered_by,
            offered_at=now,
            expires_at=expires,
        )
        offers.append(offer)
    await repository.add(session, *offers)
    await _bump_experts(session, [o.expert_id for o in offers], offers_received=1)
    if c.status in (Status.submitted, Status.escalated):
        c.status = Status.offered
    _event(
        session, c.id, offered_by, "offered",
        round=last_round + 1,
        expires_at=expires.isoformat(),
        experts=[
            {"expert_id": cand.expert_id, "external_id": cand.external_id, "name": cand.full_name,
             "score": cand.score, "reasons": cand.reasons}
            for cand in candidates
        ],
    )
    members = await _expert_member_ids(session, [o.expert_id for o in offers])
    _notify(
        session, c, "offer", members.values(),
        f"{_label(c)}: a consultation request is offered to you",
        f"A consultation request ({c.urgency}) is offered to you. Please accept or decline by "
        f"{expires:%Y-%m-%d %H:%M} UTC; the first expert to accept takes it.",
    )
    return offers


async def offer_next(session: AsyncSession, settings: Settings, c: Consultation, *, count: int | None = None) -> list[Offer]:
    """Top the open offers up to `count` (default: the request's offer width) with the next
    candidates. With no open offer and no candidate left, the request is escalated."""
    open_count = await repository.open_offer_count(session, c.id)
    need = (count if count is not None else c.offer_width) - (0 if count is not None else open_count)
    if need <= 0:
        return []
    requester = await _member(session, c.requester_id)
    candidates = await routing.rank_candidates(
        session, settings, routing_spec(c), top=need,
        exclude_expert_ids=await repository.offered_expert_ids(session, c.id),
        requester_id=requester.id, requester_org=requester.organisation, requester_country=requester.country,
    )
    if not candidates:
        if open_count == 0 and c.status != Status.escalated:
            await _escalate(session, c)
        return []
    return await _make_offers(session, c, candidates)


async def _escalate(session: AsyncSession, c: Consultation) -> None:
    c.status = Status.escalated
    c.escalated_at = utcnow()
    _event(session, c.id, None, "escalated", reason="no eligible candidate left")
    _notify(
        session, c, "escalated", await repository.admin_ids(session, utcnow()),
        f"{_label(c)}: escalated, no expert left to offer",
        "Every eligible expert has declined, let the offer expire, or none matches. "
        "Re-offer the request by hand to a chosen expert or to the next candidates.",
    )


# --- accept / decline (experts) -------------------------------------------------------------


async def _own_offer(session: AsyncSession, ctx: Ctx, offer_id: int, action: str) -> tuple[Expert, Offer]:
    expert = await own_expert(session, ctx.principal)
    offer = await repository.get_offer(session, offer_id)
    if expert is None or offer is None:
        raise await deny(session, ctx, offer_id, action, "offer")
    if offer.expert_id != expert.id:
        if await repository.has_open_offer(session, offer.consultation_id, expert.id):
            raise Forbidden("offer: this offer was made to another expert")
        raise await deny(session, ctx, offer_id, action, "offer")
    return expert, offer


async def accept_offer(session: AsyncSession, ctx: Ctx, offer_id: int) -> Consultation:
    expert, offer = await _own_offer(session, ctx, offer_id, "accept")
    now = utcnow()
    if not await repository.claim_for_accept(session, offer.consultation_id, expert.id, now):
        current = await repository.status_of(session, offer.consultation_id)
        if current in ASSIGNED_STATUSES or current == Status.closed:
            raise Conflict("consultation: already accepted by another expert")
        raise Conflict(f"consultation: is {current}, not open for acceptance")
    # We hold the consultation row: every other transition takes it first, so the offer is stable.
    if not await repository.accept_offer(session, offer.id, now):
        raise Conflict("offer: no longer open (it expired, was declined or was closed)")
    if not await repository.take_capacity(session, expert.id):
        raise Conflict("expert: you are at your maximum of open consultations; close one or raise the maximum")
    outbox.emit(session, "index.expert", expert.id)
    others = await repository.close_open_offers(session, offer.consultation_id, now)
    c = await repository.get(session, offer.consultation_id)
    _event(session, c.id, ctx.principal.id, "accepted", expert_id=expert.id, external_id=expert.external_id, offer_id=offer.id)
    if others:
        _event(session, c.id, None, "offers_closed", expert_ids=[o.expert_id for o in others], reason="accepted by another expert")
        members = await _expert_member_ids(session, [o.expert_id for o in others])
        _notify(
            session, c, "offer_closed", members.values(),
            f"{_label(c)}: offer closed",
            "Another expert accepted this consultation first. Thank you; no action is needed.",
        )
    _notify(
        session, c, "accepted", [c.requester_id],
        f"{_label(c)}: an expert accepted",
        f"{ctx.principal.full_name} accepted your consultation request.",
    )
    outbox.emit(session, "index.consultation", c.id)
    await _audit_change(session, ctx, c.id, "accept", offer_id=offer.id)
    return c


async def decline_offer(session: AsyncSession, settings: Settings, ctx: Ctx, offer_id: int, reason: str = "") -> Offer:
    expert, offer = await _own_offer(session, ctx, offer_id, "decline")
    c = await repository.get(session, offer.consultation_id, for_update=True)
    now = utcnow()
    if not await repository.decline_offer(session, offer.id, now, reason):
        raise Conflict("offer: no longer open (it expired, was accepted, declined or closed)")
    await _bump_experts(session, [expert.id], offers_answered=1)
    _event(session, c.id, ctx.principal.id, "declined", expert_id=expert.id, external_id=expert.external_id, reason=reason)
    _notify(
        session, c, "declined", [c.requester_id],
        f"{_label(c)}: an expert declined",
        "An expert declined the offer; the desk offers the request to the next candidate.",
    )
    if c.status == Status.offered:
        await offer_next(session, settings, c)
    _changed(session, c)
    await _audit_change(session, ctx, c.id, "decline", offer_id=offer.id)
    return await repository.get_offer(session, offer.id, fresh=True)


# --- expiry (periodic) ----------------------------------------------------------------------------


async def due_offer_consultations(session: AsyncSession, now: datetime, limit: int = 100) -> list[int]:
    return await repository.due_offer_consultation_ids(session, now, limit)


async def expire_offers(session: AsyncSession, settings: Settings, consultation_id: int, now: datetime) -> int:
    """Expire the offers of one consultation that waited too long; move on to the next candidates."""
    c = await repository.get(session, consultation_id, for_update=True)
    if c is None:
        return 0
    due = await repository.expire_due_offers(session, c.id, now)
    if not due:
        return 0
    _event(session, c.id, None, "offers_expired", expert_ids=[o.expert_id for o in due])
    members = await _expert_member_ids(session, [o.expert_id for o in due])
    _notify(
        session, c, "expired", members.values(),
        f"{_label(c)}: your offer expired",
        "The offer was not answered in time and has moved on to another expert.",
    )
    if c.status == Status.offered:
        await offer_next(session, settings, c)
    _changed(session, c)
    return len(due)


async def due_deadline_consultations(session: AsyncSession, now: datetime, limit: int = 100) -> list[int]:
    return await repository.due_deadline_ids(session, now, limit)


async def expire_request(session: AsyncSession, consultation_id: int, now: datetime) -> bool:
    """The detention deadline passed before any expert accepted: the request expires."""
    c = await repository.get(session, consultation_id, for_update=True)
    if c is None or c.status not in SEEKING_STATUSES or c.deadline is None or c.deadline > now:
        return False
    closed = await _close_open_offers(session, c, now)
    c.status = Status.expired
    c.closed_at = now
    _event(session, c.id, None, "expired", reason="the detention deadline passed before an expert accepted")
    members = await _expert_member_ids(session, closed)
    _notify(
        session, c, "expired", [c.requester_id, *members.values()],
        f"{_label(c)}: expired",
        "The detention deadline passed before an expert accepted the consultation.",
    )
    _changed(session, c)
    return True


async def _close_open_offers(session: AsyncSession, c: Consultation, now: datetime) -> list[int]:
    return [r.expert_id for r in await repository.close_open_offers(session, c.id, now)]


# --- admin re-offer ------------------------------------------------------------------------------


async def reoffer(session: AsyncSession, settings: Settings, ctx: Ctx, consultation_id: int, data: ReofferIn) -> Consultation:
    acc = await access(session, ctx, consultation_id, "reoffer", roles=(ADMIN,), for_update=True)
    c = acc.consultation
    if c.status not in SEEKING_STATUSES:
        raise Conflict(f"status: only a request waiting for an expert can be re-offered; this one is {c.status}")
    requester = await _member(session, c.requester_id)
    spec = routing_spec(c)
    if data.expert_id is not None:
        if await repository.has_open_offer(session, c.id, data.expert_id):
            raise Conflict("expert_id: this expert already has an open offer on the request")
        candidate, problems = await routing.evaluate_expert(
            session, spec, data.expert_id, requester_id=requester.id,
            requester_org=requester.organisation, requester_country=requester.country,
        )
        if candidate is None:
            if problems == ["no such expert"]:
                raise field_error("expert_id", "no such expert")
            raise field_error("expert_id", "not eligible: " + "; ".join(problems))
        offers = await _make_offers(session, c, [candidate], offered_by=ctx.principal.id)
    else:
        requester_info = dict(
            requester_id=requester.id, requester_org=requester.organisation, requester_country=requester.country
        )
        candidates = await routing.rank_candidates(
            session, settings, spec, top=data.count,
            exclude_expert_ids=await repository.offered_expert_ids(session, c.id), **requester_info,
        )
        if not candidates:
            raise Conflict("consultation: no eligible candidate left; choose an expert by expert_id")
        offers = await _make_offers(session, c, candidates, offered_by=ctx.principal.id)
    c.status = Status.offered
    _event(session, c.id, ctx.principal.id, "reoffered", reason=data.reason, expert_ids=[o.expert_id for o in offers])
    _notify(
        session, c, "reoffered", [c.requester_id],
        f"{_label(c)}: re-offered by the secretariat",
        "The network secretariat offered your request to further experts.",
    )
    _changed(session, c)
    await _audit_change(session, ctx, c.id, "reoffer", expert_ids=[o.expert_id for o in offers], why=data.reason)
    return c


# --- withdraw, messages, opinion, close ----------------------------------------------------------


async def withdraw(session: AsyncSession, ctx: Ctx, consultation_id: int, reason: str = "") -> Consultation:
    acc = await access(session, ctx, consultation_id, "withdraw", roles=(REQUESTER,), for_update=True)
    c = acc.consultation
    if c.status not in OPEN_STATUSES:
        raise Conflict(f"status: the consultation is already {c.status}")
    now = utcnow()
    closed = await _close_open_offers(session, c, now)
    told = list(closed)
    if c.status in ASSIGNED_STATUSES and c.assigned_expert_id:
        await _release_expert(session, c.assigned_expert_id)
        told.append(c.assigned_expert_id)
    c.status = Status.withdrawn
    c.closed_at = now
    _event(session, c.id, ctx.principal.id, "withdrawn", reason=reason)
    members = await _expert_member_ids(session, told)
    _notify(
        session, c, "withdrawn", members.values(),
        f"{_label(c)}: withdrawn",
        "The requesting official withdrew the consultation. No further action is needed.",
    )
    _changed(session, c)
    await _audit_change(session, ctx, c.id, "withdraw", why=reason)
    return c


async def _release_expert(session: AsyncSession, expert_id: int) -> None:
    await repository.release_capacity(session, expert_id)
    outbox.emit(session, "index.expert", expert_id)


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
    _require_ticket_open(c, "messages")
    message = Message(consultation_id=c.id, author_id=ctx.principal.id, body=body)
    await repository.add(session, message)
    _event(session, c.id, ctx.principal.id, "message", message_id=message.id)
    if acc.role == REQUESTER:
        other = (await _expert_member_ids(session, [c.assigned_expert_id])).values()
    else:
        other = [c.requester_id]
    _notify(session, c, "message", other, f"{_label(c)}: new message", f"{ctx.principal.full_name} wrote on the ticket.")
    _changed(session, c)
    return message


async def give_opinion(session: AsyncSession, ctx: Ctx, consultation_id: int, data: OpinionIn) -> Opinion:
    acc = await access(session, ctx, consultation_id, "opinion", roles=(ASSIGNED,), for_update=True)
    c = acc.consultation
    _require_ticket_open(c, "opinions")
    opinion = Opinion(consultation_id=c.id, expert_id=acc.expert.id, author_id=ctx.principal.id, **data.model_dump())
    await repository.add(session, opinion)
    revision = c.status == Status.answered
    if c.status == Status.accepted:
        c.status = Status.answered
        c.answered_at = utcnow()
    _event(session, c.id, ctx.principal.id, "opinion", opinion_id=opinion.id, revision=revision,
           authenticity=data.authenticity, confidence=data.confidence)
    _notify(
        session, c, "opinion", [c.requester_id],
        f"{_label(c)}: the expert's opinion",
        f"{ctx.principal.full_name} {'revised' if revision else 'gave'} a written opinion.",
    )
    _changed(session, c)
    await _audit_change(session, ctx, c.id, "opinion", opinion_id=opinion.id)
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
        await _release_expert(session, c.assigned_expert_id)
    _event(session, c.id, ctx.principal.id, "closed", outcome=data.outcome, rating=data.rating)
    _notify(
        session, c, "closed", (await _expert_member_ids(session, [c.assigned_expert_id])).values(),
        f"{_label(c)}: closed",
        f"The requesting official closed the consultation (outcome: {data.outcome}). Thank you.",
    )
    _changed(session, c)
    await _audit_change(session, ctx, c.id, "close", outcome=data.outcome, rating=data.rating)
    return c


# --- reads (each one audited) -----------------------------------------------------------------


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
    return (await _offers_out(session, repository.Offer.id == offer_id))[0]


async def consultation_out(session: AsyncSession, c: Consultation, acc_role: str, expert: Expert | None = None) -> ConsultationOut:
    requester = await _member(session, c.requester_id)
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
    expert = await own_expert(session, ctx.principal)
    if ctx.principal.is_admin:
        role = ADMIN
    elif c.requester_id == ctx.principal.id:
        role = REQUESTER
    else:
        role = ASSIGNED if expert is not None and c.assigned_expert_id == expert.id else OFFERED
    return await consultation_out(session, c, role, expert)


async def read(session: AsyncSession, ctx: Ctx, consultation_id: int) -> ConsultationOut:
    acc = await access(session, ctx, consultation_id, "read")
    await _audit_read(session, ctx, consultation_id, "detail")
    return await consultation_out(session, acc.consultation, acc.role, acc.expert)


async def timeline(session: AsyncSession, ctx: Ctx, consultation_id: int) -> list[EventOut]:
    await access(session, ctx, consultation_id, "timeline", roles=(REQUESTER, ASSIGNED, ADMIN))
    await _audit_read(session, ctx, consultation_id, "timeline")
    return [
        EventOut(id=e.id, at=e.at, actor_id=e.actor_id, actor_name=name, kind=e.kind, detail=dict(e.detail))
        for e, name in await repository.timeline(session, consultation_id)
    ]


async def messages(session: AsyncSession, ctx: Ctx, consultation_id: int) -> list[MessageOut]:
    await access(session, ctx, consultation_id, "messages", roles=(REQUESTER, ASSIGNED, ADMIN))
    await _audit_read(session, ctx, consultation_id, "messages")
    return [message_out(m, name) for m, name in await repository.messages(session, consultation_id)]


def message_out(m: Message, author_name: str) -> MessageOut:
    return MessageOut(id=m.id, consultation_id=m.consultation_id, author_id=m.author_id, author_name=author_name,
                      body=m.body, created_at=m.created_at)


def opinion_out(o: Opinion) -> OpinionOut:
    return OpinionOut.model_validate(o)


async def opinion(session: AsyncSession, ctx: Ctx, consultation_id: int) -> OpinionOut | None:
    """The latest opinion, or None while there is none (the look is audited either way)."""
    await access(session, ctx, consultation_id, "opinion", roles=(REQUESTER, ASSIGNED, ADMIN))
    await _audit_read(session, ctx, consultation_id, "opinion")
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
